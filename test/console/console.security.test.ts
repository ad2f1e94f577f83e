import { startIdp, type TestIdp } from '../support/server.js';
import { consoleAdmin, consoleSignInOverHttp } from '../support/console.js';
import { FormClient, csrfToken } from '../support/form-client.js';
import { WebClient } from '../support/web-client.js';
import { PASSWORD } from '../support/fixtures.js';
import { codeFor } from '../support/totp.js';
import { safeReturnTo } from '../../src/console/sign-in.js';

const cookieLine = (response: Response, name: string) => response.headers.getSetCookie().find((line) => line.startsWith(`${name}=`));

describe('console: no session, CSRF, cookies and the sign-in callback', () => {
  let idp: TestIdp;
  let admin: Awaited<ReturnType<typeof consoleAdmin>>;
  let people = 0;
  /** A code works once and later steps close earlier ones, so each sign-in is a tenant admin of its own. */
  const freshAdmin = () => consoleAdmin(idp, 'acme', `boss${++people}@acme.example`, [{ role: 'tenant-admin', tenant: 'acme' }]);
  const signIn = async () => {
    const fresh = await freshAdmin();
    return consoleSignInOverHttp(idp.url, fresh.account.email!, fresh.secret);
  };
  const policyOf = async () => (await idp.services.tenants.findBySlug('acme'))!.policy;

  beforeAll(async () => {
    idp = await startIdp();
    admin = await freshAdmin();
  });
  afterAll(() => idp.stop());

  test('without a session a page sends the browser to the sign-in (code, PKCE S256, two steps, state, nonce); a post is refused', async () => {
    const browser = new FormClient(idp.url);
    const page = await browser.request('/console/tenants/acme/policy');
    expect(page.status).toBe(303);
    const location = new URL(page.headers.get('location')!, idp.url);
    expect(location.pathname).toBe('/auth');
    const params = location.searchParams;
    expect(params.get('client_id')).toBe('idp-console');
    expect(params.get('response_type')).toBe('code');
    expect(params.get('code_challenge_method')).toBe('S256');
    expect(params.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(params.get('acr_values')).toBe('urn:idp:acr:mfa');
    expect(params.get('scope')).toBe('openid admin');
    expect(params.get('redirect_uri')).toBe(`${idp.url}/console/callback`);
    expect(params.get('state')!.length).toBeGreaterThanOrEqual(32);
    expect(params.get('nonce')!.length).toBeGreaterThanOrEqual(32);
    const pending = cookieLine(page, 'idp_console_signin')!;
    expect(pending).toMatch(/; path=\/console\/callback/i);
    expect(pending).toMatch(/; httponly/i);
    expect(pending).toMatch(/; samesite=lax/i);

    const before = await policyOf();
    const post = await browser.request('/console/tenants/acme/policy', { form: { csrf: 'x', 'password.minLength': '12' } });
    expect(post.status).toBe(401);
    expect(await post.text()).toContain('Your session has ended.');
    expect(await policyOf()).toEqual(before);
  });

  test('the session cookie is HttpOnly, SameSite=Strict, sealed (nothing of the token readable), and a tampered one is no session', async () => {
    const browser = new FormClient(idp.url);
    const start = await browser.follow('/console/');
    const csrf = csrfToken(start.html);
    const email = await browser.follow(start.html.match(/action="([^"]*\/email)"/)![1]!, { form: { csrf, email: admin.account.email! } });
    const password = await browser.follow(email.html.match(/action="([^"]*\/password)"/)![1]!, { form: { csrf, password: PASSWORD } });
    // The last hop by hand, to see the callback's own answer.
    let response = await browser.request(password.html.match(/action="([^"]*\/second-factor)"/)![1]!, {
      form: { csrf, code: codeFor(admin.secret, 1) },
    });
    while (response.headers.get('location') && !response.headers.get('location')!.includes('/console/callback')) {
      response = await browser.request(response.headers.get('location')!);
    }
    const callback = await browser.request(response.headers.get('location')!);
    expect(callback.status).toBe(200);
    // A page that moves on by itself, not a redirect: a Strict cookie would be withheld on a redirect begun elsewhere.
    expect(await callback.text()).toContain('<meta http-equiv="refresh" content="0;url=/console/">');
    const line = cookieLine(callback, 'idp_console')!;
    expect(line).toMatch(/; path=\/;/i);
    expect(line).toMatch(/; httponly/i);
    expect(line).toMatch(/; samesite=strict/i);
    expect(line).not.toMatch(/; secure/i); // plain http issuer: a Secure cookie would never come back
    const sealed = line.split(';')[0]!.split('=').slice(1).join('=');
    expect(sealed).toMatch(/^v1\./);
    expect(Buffer.from(sealed.split('.').pop()!, 'base64url').toString('latin1')).not.toMatch(/accessToken|acme/);
    // The pending sign-in cookie is spent.
    expect(cookieLine(callback, 'idp_console_signin')).toMatch(/expires=Thu, 01 Jan 1970/i);

    const tampered = sealed.slice(0, -2) + (sealed.endsWith('A') ? 'BB' : 'AA');
    const forged = await fetch(`${idp.url}/console/tenants/acme`, { headers: { cookie: `idp_console=${tampered}` }, redirect: 'manual' });
    expect(forged.status).toBe(303);
    expect(forged.headers.get('location')).toMatch(/^\/auth\?/);
  });

  test('over https the session cookie is Secure and __Host- prefixed', async () => {
    const secure = await startIdp({ ISSUER: 'https://idp.test', TRUST_PROXY: 'true' });
    try {
      const boss = await consoleAdmin(secure, 'acme', 'boss@acme.example', [{ role: 'tenant-admin', tenant: 'acme' }]);
      const local = new URL(secure.url);
      const browser = new WebClient((url) => ({
        url: url.replace('https://idp.test', local.origin),
        headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'idp.test' },
      }));
      const start = await browser.follow('https://idp.test/console/');
      const csrf = csrfToken(start.html);
      const action = (html: string, suffix: string) => `https://idp.test${html.match(new RegExp(`action="([^"]*${suffix})"`))![1]!}`;
      const email = await browser.follow(action(start.html, '/email'), { form: { csrf, email: boss.account.email! } });
      const password = await browser.follow(action(email.html, '/password'), { form: { csrf, password: PASSWORD } });
      const back = await browser.follow(action(password.html, '/second-factor'), { form: { csrf, code: codeFor(boss.secret, 1) } }, (url) =>
        url.includes('/console/callback'),
      );
      const callback = await browser.request(back.url);
      expect(callback.status).toBe(200);
      const line = cookieLine(callback, '__Host-idp_console')!;
      expect(line).toMatch(/; secure/i);
      expect(line).toMatch(/; path=\/;/i);
      expect(line).not.toMatch(/domain=/i);
      expect(line).toMatch(/; samesite=strict/i);
      expect(line).toMatch(/; httponly/i);
    } finally {
      await secure.stop();
    }
  });

  test('a form post without the CSRF token, with a forged one, one of another session, or from another origin changes nothing', async () => {
    const mine = await signIn();
    const theirs = await signIn();
    const page = await mine.browser.follow('/console/tenants/acme/policy');
    const csrf = csrfToken(page.html);
    const other = csrfToken((await theirs.browser.follow('/console/tenants/acme/policy')).html);
    expect(other).not.toBe(csrf);
    const before = await policyOf();
    const change = {
      'password.minLength': '14',
      'password.maxLength': '200',
      'password.minDigits': '0',
      'password.minSpecial': '0',
      'password.minUpper': '0',
      'password.minLower': '0',
      'password.history': '0',
      'password.blocklist': 'on',
      'lockout.maxFailedAttempts': '5',
      'lockout.mode': 'permanent',
      'lockout.durationMinutes': '',
    };
    for (const form of [
      change,
      { ...change, csrf: '' },
      { ...change, csrf: csrf.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')) },
      { ...change, csrf: other },
    ]) {
      const refused = await mine.browser.request('/console/tenants/acme/policy', { form });
      expect(refused.status).toBe(403);
      expect(await refused.text()).toContain('did not come from this console');
    }
    const crossOrigin = await mine.browser.request('/console/tenants/acme/policy', {
      form: { ...change, csrf },
      headers: { origin: 'https://attacker.example' },
    });
    expect(crossOrigin.status).toBe(403);
    const crossSite = await mine.browser.request('/console/tenants/acme/policy', {
      form: { ...change, csrf },
      headers: { 'sec-fetch-site': 'cross-site' },
    });
    expect(crossSite.status).toBe(403);
    expect(await policyOf()).toEqual(before);

    const accepted = await mine.browser.request('/console/tenants/acme/policy', {
      form: { ...change, csrf },
      headers: { origin: idp.url },
    });
    expect(accepted.status).toBe(303);
    expect((await policyOf()).password.minLength).toBe(14);
  });

  test('a callback whose state does not match, or with no sign-in pending, or replayed, is refused and signs nobody in', async () => {
    const browser = new FormClient(idp.url);
    const start = await browser.request('/console/');
    const state = new URL(start.headers.get('location')!, idp.url).searchParams.get('state')!;
    const mismatch = await browser.request(`/console/callback?code=anything&state=${state}x`);
    expect(mismatch.status).toBe(400);
    expect(await mismatch.text()).toContain('state_mismatch');
    expect(cookieLine(mismatch, 'idp_console')).toBeUndefined();
    // The pending state was used up by that attempt: even the right state no longer works.
    const again = await browser.request(`/console/callback?code=anything&state=${state}`);
    expect(again.status).toBe(400);
    expect(await again.text()).toContain('no_pending_sign_in');

    const fresh = new FormClient(idp.url);
    const none = await fresh.request(`/console/callback?code=anything&state=whatever`);
    expect(none.status).toBe(400);
    expect(cookieLine(none, 'idp_console')).toBeUndefined();
    const after = await fresh.request('/console/tenants');
    expect(after.status).toBe(303);
    expect(after.headers.get('location')).toMatch(/^\/auth\?/);
  });

  test('someone without an administrator role is turned away at the callback with no session, and the refusal is audited', async () => {
    const nobody = await consoleAdmin(idp, 'acme', 'plain@acme.example', []);
    const { html, response } = await consoleSignInOverHttp(idp.url, nobody.account.email!, nobody.secret);
    expect(response.status).toBe(403);
    expect(html).toContain('You do not have access to this.');
    expect(cookieLine(response, 'idp_console')).toBeUndefined();
    const denied = await idp.services.audit.list({ action: 'admin.auth', limit: 50 });
    expect(denied.some((e) => e.reason === 'no_role' && e.actor.id === nobody.account.id)).toBe(true);
  });

  test("the header names the person's tenant and role, under the strict page policy", async () => {
    const { browser } = await signIn();
    const page = await browser.follow('/console/tenants/acme');
    expect(page.html).toContain('Signed in: acme · tenant-admin');
    // The hosted pages' strict policy: scripts and styles from self only, nothing inline, no framing, never cached.
    const csp = page.response.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("form-action 'self'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
    expect(page.response.headers.get('x-frame-options')).toBe('DENY');
    expect(page.response.headers.get('cache-control')).toBe('no-store');
    expect(page.html).not.toMatch(/<script(?![^>]*\ssrc="\/console\/assets\/console\.js")/);
    expect(page.html).not.toMatch(/\sstyle=|\son[a-z]+=/);
  });

  test('the sign-in returns only to console paths, never to another site', async () => {
    for (const unsafe of [
      '//evil.example/',
      'https://evil.example/console/',
      '/console/../admin',
      '/console\\evil',
      '/consolex',
      '/console/a//b',
    ]) {
      expect(safeReturnTo(unsafe)).toBe('/console/');
    }
    for (const [asked, expected] of [
      ['/console/tenants/acme/accounts?q=ann&state=locked', '/console/tenants/acme/accounts?q=ann&state=locked'],
      ['/console/audit?action=%3Cscript%3E', '/console/audit?action=%3Cscript%3E'],
    ] as const) {
      const person = await freshAdmin();
      const browser = new FormClient(idp.url);
      const first = await browser.request(asked);
      expect(first.status).toBe(303);
      const login = await browser.follow(first.headers.get('location')!);
      const csrf = csrfToken(login.html);
      const email = await browser.follow(login.html.match(/action="([^"]*\/email)"/)![1]!, {
        form: { csrf, email: person.account.email! },
      });
      const code = await browser.follow(email.html.match(/action="([^"]*\/password)"/)![1]!, { form: { csrf, password: PASSWORD } });
      const done = await browser.follow(code.html.match(/action="([^"]*\/second-factor)"/)![1]!, {
        form: { csrf, code: codeFor(person.secret, 1) },
      });
      expect(done.html).toContain(`<meta http-equiv="refresh" content="0;url=${expected.replaceAll('&', '&amp;')}">`);
    }
  });

  test('signing out revokes the token: the same cookie, replayed, no longer reaches the API', async () => {
    const { browser } = await signIn();
    const page = await browser.follow('/console/tenants/acme');
    expect(page.response.status).toBe(200);
    const cookie = (browser as unknown as { cookies: { header(): string } }).cookies.header();
    const out = await browser.request('/console/sign-out', { form: { csrf: csrfToken(page.html) } });
    expect(out.status).toBe(303);
    expect(out.headers.get('location')).toMatch(/^\/session\/end\?client_id=idp-console&post_logout_redirect_uri=/);
    expect(cookieLine(out, 'idp_console')).toMatch(/expires=Thu, 01 Jan 1970/i);
    const replayed = await fetch(`${idp.url}/console/tenants/acme`, { headers: { cookie }, redirect: 'manual' });
    expect(replayed.status).toBe(303);
    expect(replayed.headers.get('location')).toMatch(/^\/auth\?/);
  });
});
