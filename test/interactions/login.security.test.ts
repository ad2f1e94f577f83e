import { startIdp, type TestIdp } from '../support/server.js';
import { FormClient, csrfToken, formAction } from '../support/form-client.js';
import { PASSWORD, seed } from '../support/fixtures.js';

const REDIRECT_URI = 'http://localhost:8123/callback';

describe('the login form does not leak, cannot be forged and refuses bad input', () => {
  let idp: TestIdp;
  let fixture: Awaited<ReturnType<typeof seed>>;

  beforeAll(async () => {
    // Many deliberate failures from one address: neither lockout nor throttling is under test here.
    idp = await startIdp({ BCRYPT_COST: '10', LOGIN_RATE_LIMIT: '10000' });
    fixture = await seed(idp, { redirectUri: REDIRECT_URI });
    await idp.services.tenants.setPolicy(fixture.tenant.id, { lockout: { maxFailedAttempts: 100 } });
    await idp.services.accounts.create(fixture.tenant.id, { email: 'invited@acme.example' });
    const disabled = await idp.services.accounts.create(fixture.tenant.id, { email: 'gone@acme.example', password: PASSWORD });
    await idp.services.accounts.update(fixture.tenant.id, disabled.id, { state: 'disabled' });
  });
  afterAll(() => idp.stop());

  function authorizationUrl() {
    const url = new URL('/auth', idp.url);
    url.search = new URLSearchParams({
      client_id: fixture.client.id,
      redirect_uri: REDIRECT_URI,
      response_type: 'code',
      scope: 'openid',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    }).toString();
    return url.toString();
  }

  /** Opens the login, submits the e-mail, returns the password step. */
  async function atPasswordStep(email: string) {
    const browser = new FormClient(idp.url);
    const start = await browser.follow(authorizationUrl());
    const csrf = csrfToken(start.html);
    const step = await browser.follow(formAction(start.html, '/email'), { form: { csrf, email } });
    return { browser, csrf, action: formAction(step.html, '/password') };
  }

  async function attempt(email: string, password: string) {
    const { browser, csrf, action } = await atPasswordStep(email);
    const started = performance.now();
    const response = await browser.request(action, { form: { csrf, email, password } });
    const elapsed = performance.now() - started;
    const html = await response.text();
    const comparable = html
      .replaceAll(email, 'EMAIL')
      .replace(/value="[\w-]{43}"/g, 'value="CSRF"')
      .replace(/\/interaction\/[\w-]+/g, '/interaction/UID');
    return { status: response.status, html: comparable, elapsed };
  }

  test('wrong password, unknown e-mail, invited and disabled accounts get the very same answer', async () => {
    const answers = await Promise.all([
      attempt('ann@acme.example', 'wrong password'),
      attempt('nobody@acme.example', 'wrong password'),
      attempt('invited@acme.example', 'anything at all'),
      attempt('gone@acme.example', PASSWORD),
    ]);
    for (const answer of answers) {
      expect(answer.status).toBe(401);
      expect(answer.html).toBe(answers[0]!.html);
    }
    expect(answers[0]!.html).toContain('The e-mail address or password is not correct.');
  });

  test('an unknown e-mail costs a password hash just like a known one (same timing class)', async () => {
    const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 7; i += 1) {
      known.push((await attempt('ann@acme.example', 'wrong password')).elapsed);
      unknown.push((await attempt(`nobody${i}@acme.example`, 'wrong password')).elapsed);
    }
    const ratio = median(unknown) / median(known);
    // Without the decoy hash an unknown e-mail answers about 50 times faster; the band is wide so load does not flake it.
    expect(ratio).toBeGreaterThan(0.33);
    expect(ratio).toBeLessThan(3);
  });

  test('failed attempts are audited with the reason, and never with the password', async () => {
    await attempt('ann@acme.example', 'a secret guess');
    const [event] = await idp.services.audit.list({ tenantId: fixture.tenant.id, action: 'login.password', limit: 1 });
    expect(event).toMatchObject({ outcome: 'failure', reason: 'wrong_password', target: { type: 'account', id: fixture.account.id } });
    expect(JSON.stringify(await idp.services.audit.list({ limit: 500 }))).not.toContain('a secret guess');
    expect(idp.logs()).not.toContain('a secret guess');
  });

  test("a post without the CSRF token, or with another flow's token, is refused and changes nothing", async () => {
    const { browser, action } = await atPasswordStep('ann@acme.example');
    const other = await atPasswordStep('ann@acme.example');
    const before = await idp.services.audit.list({ limit: 1 });
    for (const csrf of [undefined, other.csrf, '']) {
      const form: Record<string, string> = { email: 'ann@acme.example', password: PASSWORD };
      if (csrf !== undefined) form.csrf = csrf;
      const response = await browser.request(action, { form });
      expect(response.status).toBe(403);
      expect(response.headers.get('location')).toBeNull();
      expect(await response.text()).toContain('The form had expired or did not come from this page.');
    }
    expect(await idp.services.audit.list({ limit: 1 })).toEqual(before);
    expect((await idp.services.accounts.findById(fixture.account.id))!.lastLoginAt).toBeNull();
  });

  test('a form posted from another browser (no interaction cookie) is refused', async () => {
    const { csrf, action } = await atPasswordStep('ann@acme.example');
    const stranger = new FormClient(idp.url);
    const response = await stranger.request(action, { form: { csrf, email: 'ann@acme.example', password: PASSWORD } });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('The sign-in took too long or was already finished.');
  });

  test('malformed, oversized, repeated-field and mistyped posts get a clear error page', async () => {
    const { browser, csrf, action } = await atPasswordStep('ann@acme.example');
    const huge = await browser.request(action, { form: { csrf, password: 'x'.repeat(20_000) } });
    expect(huge.status).toBe(413);
    expect(await huge.text()).toContain('The form was too large.');
    const repeated = await browser.request(action, {
      body: `csrf=${csrf}&password=a&password=b`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(repeated.status).toBe(400);
    const json = await browser.request(action, {
      body: JSON.stringify({ csrf, password: PASSWORD }),
      headers: { 'content-type': 'application/json' },
    });
    expect(json.status).toBe(415);
    const badUtf8 = await browser.request(action, {
      body: `csrf=${csrf}&password=%FF%FE`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(badUtf8.status).toBe(401);
    const empty = await browser.request(action, { form: { csrf } });
    expect(empty.status).toBe(400);
    expect(await empty.text()).toContain('Enter your password.');
    for (const response of [huge, repeated, json]) expect(response.headers.get('content-type')).toContain('text/html');
  });

  test('an invalid e-mail is answered on the form, in Swedish when asked', async () => {
    const browser = new FormClient(idp.url, { 'accept-language': 'sv-SE,sv;q=0.9,en;q=0.5' });
    const start = await browser.follow(authorizationUrl());
    expect(start.html).toContain('<html lang="sv">');
    const response = await browser.request(formAction(start.html, '/email'), {
      form: { csrf: csrfToken(start.html), email: 'not-an-email<script>' },
    });
    expect(response.status).toBe(400);
    const html = await response.text();
    expect(html).toContain('Ange en giltig e-postadress.');
    expect(html).toContain('not-an-email&lt;script&gt;');
    expect(html).not.toContain('<script>');
  });

  test('pages carry a strict CSP and the usual security headers, cookies are HttpOnly', async () => {
    const browser = new FormClient(idp.url);
    const first = await browser.request(authorizationUrl());
    for (const cookie of first.headers.getSetCookie()) expect(cookie.toLowerCase()).toContain('httponly');
    const page = await browser.request(first.headers.get('location')!);
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("form-action 'self' http://localhost:8123");
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('cache-control')).toBe('no-store');
  });
});

describe('behind a TLS-terminating proxy', () => {
  let idp: TestIdp;
  let fixture: Awaited<ReturnType<typeof seed>>;

  beforeAll(async () => {
    idp = await startIdp({ ISSUER: 'https://id.example.test', TRUST_PROXY: 'true' });
    fixture = await seed(idp, { redirectUri: 'https://app.example.test/callback' });
  });
  afterAll(() => idp.stop());

  test('cookies are Secure and HSTS is sent', async () => {
    const browser = new FormClient(idp.url, { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'id.example.test' });
    const url = new URL('/auth', idp.url);
    url.search = new URLSearchParams({
      client_id: fixture.client.id,
      redirect_uri: 'https://app.example.test/callback',
      response_type: 'code',
      scope: 'openid',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    }).toString();
    const response = await browser.request(url.toString());
    expect(response.status).toBe(303);
    const cookies = response.headers.getSetCookie();
    expect(cookies.length).toBeGreaterThan(0);
    for (const cookie of cookies) expect(cookie.toLowerCase()).toMatch(/; secure/);
    expect(response.headers.get('strict-transport-security')).toContain('max-age=');
  });
});
