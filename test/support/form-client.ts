import * as oidc from 'openid-client';
import { CookieJar } from './cookie-jar.js';

/**
 * A minimal browser stand-in for driving the hosted pages over HTTP: keeps cookies,
 * follows redirects on request, reads forms. Real browsers are exercised by the
 * Chromium tests; this keeps protocol tests fast.
 */
export class FormClient {
  private readonly cookies = new CookieJar();

  /** `headers` go with every request, as a browser's Accept-Language does. */
  constructor(
    readonly base: string,
    private readonly headers: Record<string, string> = {},
  ) {}

  async request(
    url: string,
    init: { method?: string; form?: Record<string, string>; headers?: Record<string, string>; body?: string } = {},
  ) {
    const headers: Record<string, string> = { ...this.headers, ...init.headers };
    const cookie = this.cookies.header();
    if (cookie) headers.cookie = cookie;
    let body = init.body;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    }
    const response = await fetch(new URL(url, this.base), {
      method: init.method ?? (body !== undefined ? 'POST' : 'GET'),
      headers,
      body,
      redirect: 'manual',
    });
    this.cookies.store(response);
    return response;
  }

  /** Follows redirects while they stay on `base`; returns the last response and the first off-site Location. */
  async follow(url: string, init: Parameters<FormClient['request']>[1] = {}) {
    let response = await this.request(url, init);
    let location = response.headers.get('location');
    while (location && new URL(location, this.base).origin === new URL(this.base).origin) {
      response = await this.request(new URL(location, this.base).toString());
      location = response.headers.get('location');
    }
    return { response, location, html: location ? '' : await response.text() };
  }
}

export function formAction(html: string, suffix: string): string {
  const match = new RegExp(`<form method="post" action="([^"]*${suffix})"`).exec(html);
  if (!match) throw new Error(`no form posting to …${suffix} in page:\n${html.slice(0, 2000)}`);
  return match[1]!;
}

export function csrfToken(html: string): string {
  const match = /name="csrf" value="([^"]+)"/.exec(html);
  if (!match) throw new Error('no csrf field in page');
  return match[1]!;
}

/** Opens the login from an authorization URL and submits the e-mail; returns the password form. */
export async function passwordStep(browser: FormClient, authorizationUrl: string, email: string) {
  const start = await browser.follow(authorizationUrl);
  const csrf = csrfToken(start.html);
  const step = await browser.follow(formAction(start.html, '/email'), { form: { csrf, email } });
  return { csrf, action: formAction(step.html, '/password'), html: step.html };
}

/** Signs in through the hosted pages from an authorization URL; returns the redirect back to the app. */
export async function signIn(browser: FormClient, authorizationUrl: string, email: string, password: string): Promise<string> {
  const start = await browser.follow(authorizationUrl);
  const csrf = csrfToken(start.html);
  const afterEmail = await browser.follow(formAction(start.html, '/email'), { form: { csrf, email } });
  const done = await browser.follow(formAction(afterEmail.html, '/password'), { form: { csrf, email, password } });
  if (!done.location) throw new Error(`sign-in did not redirect back: ${done.response.status}\n${done.html.slice(0, 1500)}`);
  return done.location;
}

/**
 * An app's whole authorization-code flow (PKCE S256, consent asked) with a sign-in through the
 * hosted pages in `browser`: the tokens the app gets back (with a refresh token by default).
 */
export async function codeFlowTokens(
  config: oidc.Configuration,
  browser: FormClient,
  login: { email: string; password: string },
  options: { redirectUri: string; scope?: string },
) {
  const verifier = oidc.randomPKCECodeVerifier();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: options.redirectUri,
    scope: options.scope ?? 'openid offline_access',
    prompt: 'consent',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  });
  const callback = await signIn(browser, url.toString(), login.email, login.password);
  return oidc.authorizationCodeGrant(config, new URL(callback), { pkceCodeVerifier: verifier });
}
