import { createHmac, randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { ClientMetadata } from 'oidc-provider';
import { secretsEqual } from '../crypto/equal.js';
import { FLOW_STATE_TTL_MS } from '../config/defaults.js';

/** The relying party that "My profile" is to our own provider: it signs in through the same pages. */
export const PROFILE_CLIENT_ID = 'idp-account';
export const PROFILE_PATH = '/account';
const STATE_COOKIE = 'idp_account_state';

export function profileClientMetadata(issuer: string): ClientMetadata {
  return {
    client_id: PROFILE_CLIENT_ID,
    client_name: 'My profile',
    token_endpoint_auth_method: 'none',
    // response_type=none: we only need the provider's session, never a code or token.
    response_types: ['none'],
    grant_types: [],
    redirect_uris: [`${issuer}${PROFILE_PATH}/callback`],
    post_logout_redirect_uris: [`${issuer}${PROFILE_PATH}`],
    idp_first_party: true,
    idp_tenant_ids: [],
  };
}

/** The provider's session for this browser: who is signed in, when, and how. */
export async function providerSession(provider: Provider, ctx: Context) {
  const session = await provider.Session.get(ctx as never);
  return session.accountId ? session : null;
}

/** Sends the browser through the hosted sign-in and back, with a one-time state bound to it. */
export function startSignIn(ctx: Context, issuer: string): void {
  const state = randomBytes(24).toString('base64url');
  ctx.cookies.set(STATE_COOKIE, state, {
    httpOnly: true,
    sameSite: 'lax',
    signed: true,
    maxAge: FLOW_STATE_TTL_MS.profileSignIn,
    path: `${PROFILE_PATH}/callback`,
  });
  const url = new URL('/auth', issuer);
  url.search = new URLSearchParams({
    client_id: PROFILE_CLIENT_ID,
    response_type: 'none',
    scope: 'openid',
    redirect_uri: `${issuer}${PROFILE_PATH}/callback`,
    state,
  }).toString();
  ctx.redirect(url.pathname + url.search);
}

export function takeSignInState(ctx: Context): string | undefined {
  const state = ctx.cookies.get(STATE_COOKIE, { signed: true });
  ctx.cookies.set(STATE_COOKIE, null, { path: `${PROFILE_PATH}/callback` });
  return state;
}

/** A CSRF token bound to the provider session, so it needs no storage of its own. */
export function sessionCsrf(secret: string, sessionUid: string): string {
  return createHmac('sha256', secret).update(`account-csrf:${sessionUid}`).digest('base64url');
}

export function csrfValid(secret: string, sessionUid: string, presented: string | undefined): boolean {
  return secretsEqual(sessionCsrf(secret, sessionUid), presented);
}
