import * as oidc from 'openid-client';
import { FormClient, csrfToken, formAction } from './form-client.js';
import { codeFor, keyFromPage } from './totp.js';
import { CONSOLE_CLIENT_ID, CONSOLE_PATH } from '../../src/oidc/console-client.js';

export interface ConsoleSignIn {
  /** The person's access token for the admin API. */
  accessToken: string;
  idTokenClaims: Record<string, unknown> | undefined;
  /** The TOTP key when the sign-in enrolled a factor (the operators' tenant demands one). */
  secret: string | undefined;
  browser: FormClient;
}

/**
 * Signs a person in to the built-in console client the way the console does: authorization
 * code with PKCE (openid-client), through the hosted pages, with a TOTP code when asked (or
 * enrolling one when the tenant demands it), then the code exchange at the token endpoint.
 * Stops at the console's callback, whatever serves it.
 */
export async function consoleSignIn(
  issuer: string,
  person: { email: string; password: string; totpSecret?: string; stepsAhead?: number; scope?: string },
): Promise<ConsoleSignIn> {
  const config = await oidc.discovery(new URL(issuer), CONSOLE_CLIENT_ID, undefined, oidc.None(), {
    execute: [oidc.allowInsecureRequests],
  });
  const redirectUri = `${issuer}${CONSOLE_PATH}/callback`;
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: person.scope ?? 'openid admin',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
  });
  const browser = new FormClient(issuer);
  const go = async (target: string, form?: Record<string, string>) => {
    let response = await browser.request(target, form ? { form } : {});
    let location = response.headers.get('location');
    while (location && !new URL(location, issuer).pathname.startsWith(`${CONSOLE_PATH}/callback`)) {
      response = await browser.request(new URL(location, issuer).toString());
      location = response.headers.get('location');
    }
    return { location, html: location ? '' : await response.text() };
  };
  const start = await go(url.toString());
  const csrf = csrfToken(start.html);
  const emailStep = await go(formAction(start.html, '/email'), { csrf, email: person.email });
  let page = await go(formAction(emailStep.html, '/password'), { csrf, password: person.password });
  let secret = person.totpSecret;
  if (!page.location && page.html.includes('/second-factor"')) {
    if (!secret) throw new Error('the sign-in asks for a code but no TOTP secret was given');
    page = await go(formAction(page.html, '/second-factor'), { csrf, code: codeFor(secret, person.stepsAhead ?? 0) });
  } else if (!page.location && page.html.includes('/enrol"')) {
    secret = keyFromPage(page.html);
    const codes = await go(formAction(page.html, '/enrol'), { csrf, code: codeFor(secret) });
    page = await go(formAction(codes.html, '/enrolled'), { csrf });
  }
  if (!page.location) throw new Error(`the sign-in did not come back to the console:\n${page.html.slice(0, 1500)}`);
  const tokens = await oidc.authorizationCodeGrant(config, new URL(page.location, issuer), {
    pkceCodeVerifier: verifier,
    expectedState: state,
  });
  return { accessToken: tokens.access_token, idTokenClaims: tokens.claims() as Record<string, unknown> | undefined, secret, browser };
}
