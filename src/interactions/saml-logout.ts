import { createHash, randomBytes } from 'node:crypto';
import type { Context, Next } from 'koa';
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { SAML_LOGOUT_TTL_MS, SAML_SESSION_TTL_MS } from '../config/defaults.js';
import type { SamlSession } from '../federation/connectors/saml/single-logout.js';
import { FederationRefusal, type Connection, type SamlConnection } from '../federation/types.js';
import type { Logger } from '../log/logger.js';
import type { OidcPayloadRepository } from '../oidc/repository.js';
import { reachesRoute, ROUTES } from '../oidc/settings.js';
import type { Services } from '../services.js';
import { loggedOutPage } from '../views/pages.js';
import { negotiateLocale } from '../i18n/messages.js';
import { requestOrigin } from '../web/origin.js';
import { PageError } from '../web/page-error.js';

/** Where oidc-provider's logout page posts "yes, sign me out". */
const END_SESSION_CONFIRM = `${ROUTES.end_session}/confirm`;
/** This browser's last SAML sign-in (a handle to what sign-out at the IdP needs). */
const SESSION_COOKIE = 'idp_saml_session';
/** handle → connection, account and the IdP's NameID and SessionIndex. */
const SIGN_IN_MODEL = 'SamlSignIn';
/** connection + hash of the NameID → the account it signed in to (for the IdP's LogoutRequest). */
const NAME_ID_MODEL = 'SamlSignInByNameId';
/** Our LogoutRequest's id → where the browser goes once the IdP answers; spent by the answer. */
const LOGOUT_MODEL = 'SamlLogoutRequest';
/** The IdP's LogoutRequest ids, each accepted once. */
const SEEN_MODEL = 'SamlLogoutRequestSeen';

const nameIdKey = (connectionId: string, nameId: string) => `${connectionId}:${createHash('sha256').update(nameId).digest('base64url')}`;

interface Deps {
  services: Services;
  payloads: OidcPayloadRepository;
}

/**
 * After a SAML sign-in: keeps what single logout needs, server-side, behind a handle in a
 * cookie of this browser (so sign-out here can name the IdP session), and by NameID (so the
 * IdP's LogoutRequest can name the account).
 */
export async function rememberSamlSignIn(
  ctx: Context,
  deps: Deps,
  connection: Connection,
  accountId: string,
  session: Record<string, string> | undefined,
): Promise<void> {
  if (connection.kind !== 'saml' || !session?.nameID) return;
  const expiresAt = Date.now() + SAML_SESSION_TTL_MS;
  const handle = randomBytes(24).toString('base64url');
  await deps.payloads.upsert(SIGN_IN_MODEL, handle, { connectionId: connection.id, accountId, session }, expiresAt);
  await deps.payloads.upsert(
    NAME_ID_MODEL,
    nameIdKey(connection.id, session.nameID),
    { accountId, sessionIndex: session.sessionIndex ?? '' },
    expiresAt,
  );
  ctx.cookies.set(SESSION_COOKIE, handle, { httpOnly: true, sameSite: 'lax', signed: true, maxAge: SAML_SESSION_TTL_MS, path: '/' });
}

/**
 * Sign-out here (RP-initiated logout, "My profile" sign-out) goes on to the IdP: once
 * oidc-provider has ended the session (POST /session/end/confirm, "yes, sign me out"), its
 * redirect is kept and the browser goes first to the IdP with our signed LogoutRequest; the
 * IdP's LogoutResponse at our SLO endpoint sends it on. Without a SAML sign-in in this browser,
 * or when the IdP has no SLO endpoint, nothing changes.
 */
export function samlSignOut(deps: Deps & { provider: Provider; logger: Logger }) {
  const ended = new WeakMap<object, string>();
  deps.provider.on('end_session.success', (ctx: KoaContextWithOIDC) => {
    const accountId = ctx.oidc.session?.accountId;
    if (accountId && ctx.oidc.params?.logout) ended.set(ctx, accountId);
  });
  return async function samlSignOutAfterEndSession(ctx: Context, next: Next): Promise<void> {
    if (ctx.method !== 'POST' || !reachesRoute(ctx.path, END_SESSION_CONFIRM)) {
      await next();
      return;
    }
    const handle = ctx.cookies.get(SESSION_COOKIE, { signed: true });
    await next();
    const accountId = ended.get(ctx);
    if (!handle || !accountId || ctx.status !== 303) return;
    ctx.cookies.set(SESSION_COOKIE, null, { path: '/' });
    const record = await deps.payloads.find(SIGN_IN_MODEL, handle);
    if (!record || record.accountId !== accountId) return;
    await deps.payloads.destroy(SIGN_IN_MODEL, handle);
    const session = record.session as unknown as SamlSession;
    await deps.payloads.destroy(NAME_ID_MODEL, nameIdKey(record.connectionId as string, session.nameID));
    const connection = await deps.services.connections.findById(record.connectionId as string);
    if (connection?.kind !== 'saml' || !connection.idp.sloUrl) return;
    try {
      const { url, requestId } = await deps.services.samlLogout.requestUrl(connection, session);
      const returnTo = ctx.response.get('Location');
      await deps.payloads.upsert(
        LOGOUT_MODEL,
        requestId,
        { connectionId: connection.id, accountId, returnTo },
        Date.now() + SAML_LOGOUT_TTL_MS,
      );
      ctx.redirect(url);
      ctx.status = 303;
    } catch (error) {
      // Signed out here all the same; the IdP session stays, which the log says.
      deps.logger.warn({ err: error, connectionId: connection.id }, 'could not send a SAML LogoutRequest');
    }
  };
}

/**
 * Our SingleLogoutService (HTTP-Redirect): the IdP's LogoutResponse to our request (signed,
 * from its issuer, answering a request we sent, once), or its own LogoutRequest (signed, fresh,
 * its id accepted once): that ends every session here of the account the NameID signed in to,
 * and is answered with our signed LogoutResponse.
 */
export function samlSingleLogoutEndpoint(deps: Deps) {
  const { services, payloads } = deps;
  const audit = (ctx: Context, connection: SamlConnection, outcome: 'success' | 'failure', reason: string | null, more: object = {}) =>
    services.audit.record({
      tenantId: connection.tenantId,
      actor: { type: 'system', id: `saml-slo:${connection.id}` },
      action: 'logout.upstream',
      outcome,
      ...(reason ? { reason } : {}),
      target: 'accountId' in more && typeof more.accountId === 'string' ? { type: 'account', id: more.accountId } : null,
      origin: requestOrigin(ctx),
      details: { connectionId: connection.id, kind: 'saml', ...more },
    });

  return async function singleLogout(ctx: Context, connection: SamlConnection): Promise<void> {
    const refuse = async (reason: string, detail: string | null = null) => {
      await audit(ctx, connection, 'failure', reason, { detail });
      throw new PageError(reason === 'saml_message_too_large' ? 413 : 400, 'logout.upstream_refused', 'saml_logout_refused');
    };
    let message;
    try {
      message = services.samlLogout.read(connection, ctx.querystring);
    } catch (error) {
      if (error instanceof FederationRefusal) return refuse(error.reason, error.message);
      throw error;
    }
    if (message.type === 'response') {
      const record = await payloads.find(LOGOUT_MODEL, message.inResponseTo);
      const known = record?.connectionId === connection.id;
      const spent = known ? await payloads.consume(LOGOUT_MODEL, message.inResponseTo, Date.now()) : false;
      if (!known) return refuse('unknown_logout_request');
      if (!spent) return refuse('logout_response_replayed');
      const accountId = record.accountId as string;
      await audit(ctx, connection, message.success ? 'success' : 'failure', message.success ? null : 'upstream_logout_failed', {
        direction: 'sp_initiated',
        accountId,
        status: message.status,
      });
      ctx.status = 303;
      ctx.redirect(record.returnTo as string);
      return;
    }
    await payloads.upsert(SEEN_MODEL, `${connection.id}:${message.id}`, {}, Date.now() + 2 * SAML_LOGOUT_TTL_MS);
    if (!(await payloads.consume(SEEN_MODEL, `${connection.id}:${message.id}`, Date.now()))) return refuse('logout_request_replayed');
    const key = nameIdKey(connection.id, message.nameId);
    const signedIn = await payloads.find(NAME_ID_MODEL, key);
    const matches =
      !!signedIn &&
      (message.sessionIndexes.length === 0 || !signedIn.sessionIndex || message.sessionIndexes.includes(signedIn.sessionIndex as string));
    if (matches) {
      await services.endSessionsOf(signedIn.accountId as string);
      await payloads.destroy(NAME_ID_MODEL, key);
    }
    await audit(ctx, connection, 'success', null, {
      direction: 'idp_initiated',
      ...(matches ? { accountId: signedIn.accountId } : { sessionsEnded: 0 }),
    });
    const relayState = new URLSearchParams(ctx.querystring).get('RelayState') ?? '';
    if (!connection.idp.sloUrl) {
      ctx.type = 'html';
      ctx.body = loggedOutPage(negotiateLocale(undefined, ctx.get('accept-language')));
      return;
    }
    ctx.status = 303;
    ctx.redirect(await services.samlLogout.responseUrl(connection, message.id, true, relayState));
  };
}
