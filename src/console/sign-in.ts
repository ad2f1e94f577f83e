import * as oidc from 'openid-client';
import type { Context } from 'koa';
import { ACR_MFA, ROUTES } from '../oidc/settings.js';
import type { Locale } from '../i18n/messages.js';
import type { LoopbackFetch } from './in-process-fetch.js';
import { randomValue, type ConsoleCookies, type ConsoleSession } from './session.js';
import { CONSOLE_CLIENT_ID, CONSOLE_PATH, CONSOLE_SCOPE } from './settings.js';
import { FLOW_STATE_TTL_MS } from '../config/defaults.js';

/** Why a callback was refused; each is audited by the provider's side or shown as a code on the error page. */
export type SignInRefusal = 'state_mismatch' | 'no_pending_sign_in' | 'second_factor_missing' | 'authorization_failed' | 'token_refused';

/** A path under the console to come back to: anything else (another site, `//host`, backslashes) goes to the console's start. */
export function safeReturnTo(path: unknown): string {
  if (typeof path !== 'string' || path.length > 1000) return `${CONSOLE_PATH}/`;
  const shaped = /^\/console(?:\/[A-Za-z0-9\-._~%/]*)?(?:\?[A-Za-z0-9\-._~%&=+]*)?$/.test(path);
  if (!shaped || path.includes('//') || /\/\.\.?(?:\/|\?|$)/.test(path)) return `${CONSOLE_PATH}/`;
  return path;
}

/**
 * The console is a relying party of this very provider: authorization code with PKCE (S256),
 * state and nonce, asking for two steps (acr_values) and refusing any answer without them.
 * The protocol requests go in-process (see in-process-fetch.ts); openid-client checks the answers.
 */
export class ConsoleSignIn {
  private configuration: Promise<oidc.Configuration> | undefined;
  readonly redirectUri: string;

  constructor(
    private readonly issuer: string,
    private readonly fetchApp: LoopbackFetch,
    private readonly cookies: ConsoleCookies,
  ) {
    this.redirectUri = `${issuer}${CONSOLE_PATH}/callback`;
  }

  private config(): Promise<oidc.Configuration> {
    this.configuration ??= oidc
      .discovery(new URL(this.issuer), CONSOLE_CLIENT_ID, { redirect_uris: [this.redirectUri] }, oidc.None(), {
        [oidc.customFetch]: (url, options) => this.fetchApp(url, options as RequestInit),
        execute: this.issuer.startsWith('http://') ? [oidc.allowInsecureRequests] : [],
      })
      .catch((error: unknown) => {
        this.configuration = undefined;
        throw error;
      });
    return this.configuration;
  }

  /** Sends the browser to the hosted sign-in, with a fresh state, nonce and PKCE verifier kept in a sealed cookie. */
  async start(ctx: Context, returnTo: string, locale: Locale): Promise<void> {
    const verifier = oidc.randomPKCECodeVerifier();
    const state = randomValue();
    const nonce = randomValue();
    this.cookies.writeSignIn(ctx, {
      state,
      nonce,
      verifier,
      returnTo: safeReturnTo(returnTo),
      expiresAt: Math.floor((Date.now() + FLOW_STATE_TTL_MS.consoleSignIn) / 1000),
    });
    const url = oidc.buildAuthorizationUrl(await this.config(), {
      redirect_uri: this.redirectUri,
      scope: CONSOLE_SCOPE,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      acr_values: ACR_MFA,
      ui_locales: locale,
      state,
      nonce,
    });
    ctx.status = 303;
    ctx.redirect(url.pathname + url.search);
  }

  /** Redeems the code of the callback: a session, or why not. */
  async finish(ctx: Context): Promise<{ session: ConsoleSession; returnTo: string } | { refused: SignInRefusal }> {
    const pending = this.cookies.takeSignIn(ctx);
    if (!pending) return { refused: 'no_pending_sign_in' };
    if (typeof ctx.query.state !== 'string' || ctx.query.state !== pending.state) return { refused: 'state_mismatch' };
    if (ctx.query.error !== undefined) return { refused: 'authorization_failed' };
    let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
    try {
      tokens = await oidc.authorizationCodeGrant(await this.config(), new URL(`${this.redirectUri}?${ctx.querystring}`), {
        pkceCodeVerifier: pending.verifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
    } catch (error) {
      if (error instanceof oidc.AuthorizationResponseError) return { refused: 'authorization_failed' };
      if (error instanceof oidc.ResponseBodyError || error instanceof TypeError || (error as { code?: string }).code?.startsWith('OAUTH_'))
        return { refused: 'token_refused' };
      throw error;
    }
    const claims = tokens.claims()!;
    // The provider honours acr_values only as far as the account can; the console demands it.
    if (claims.acr !== ACR_MFA) {
      await this.revoke(tokens.access_token);
      return { refused: 'second_factor_missing' };
    }
    const lifetime = tokens.expiresIn() ?? 0;
    return {
      returnTo: pending.returnTo,
      session: {
        sid: randomValue(),
        accessToken: tokens.access_token,
        expiresAt: Math.floor(Date.now() / 1000) + lifetime,
        sub: claims.sub,
        tenant: typeof claims.tenant === 'string' ? claims.tenant : null,
        email: typeof claims.email === 'string' ? claims.email : null,
        name: typeof claims.name === 'string' ? claims.name : null,
      },
    };
  }

  /** Ends the token at the provider, so a copied cookie is worthless after sign-out. */
  async revoke(token: string): Promise<void> {
    await this.fetchApp(`${this.issuer}${ROUTES.revocation}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: CONSOLE_CLIENT_ID, token, token_type_hint: 'access_token' }).toString(),
    });
  }

  /** RP-initiated logout: the provider asks the person to confirm, then returns to the console's start. */
  endSessionPath(locale: Locale): string {
    const query = new URLSearchParams({
      client_id: CONSOLE_CLIENT_ID,
      post_logout_redirect_uri: `${this.issuer}${CONSOLE_PATH}/`,
      ui_locales: locale,
    });
    return `${ROUTES.end_session}?${query.toString()}`;
  }
}
