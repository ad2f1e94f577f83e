import * as oidc from 'openid-client';
import { startIdp, type TestIdp } from '../support/server.js';
import { FormClient, codeFlowTokens, passwordStep } from '../support/form-client.js';
import { PASSWORD, authorizationUrl, seed } from '../support/fixtures.js';
import { adminToken, api } from '../support/admin-client.js';
import { outbox, waitForOutbox } from '../support/outbox.js';
import { runIdp } from '../support/cli.js';

const REDIRECT_URI = 'http://localhost:8123/callback';

describe('lockout cannot be raced, does not leak, and only an administrator lifts it', () => {
  let idp: TestIdp;
  let fixture: Awaited<ReturnType<typeof seed>>;
  let call: ReturnType<typeof api>;
  let n = 0;

  beforeAll(async () => {
    idp = await startIdp({ LOGIN_RATE_LIMIT: '10000' });
    fixture = await seed(idp, { redirectUri: REDIRECT_URI });
    call = api(idp.url, (await adminToken(idp)).token);
  });
  afterAll(() => idp.stop());

  async function newAccount() {
    n += 1;
    return idp.services.accounts.create(fixture.tenant.id, { email: `person${n}@acme.example`, password: PASSWORD });
  }

  async function attempt(email: string, password: string) {
    const browser = new FormClient(idp.url);
    const { csrf, action } = await passwordStep(browser, authorizationUrl(idp.url, fixture.client.id, REDIRECT_URI), email);
    return browser.request(action, { form: { csrf, password } });
  }

  test('50 parallel wrong passwords leave the account locked with exactly 5 failures, one lock event and one e-mail', async () => {
    const account = await newAccount();
    const mailsBefore = outbox(idp.dataDir).length;
    const flows = await Promise.all(
      Array.from({ length: 50 }, async () => {
        const browser = new FormClient(idp.url);
        return { browser, ...(await passwordStep(browser, authorizationUrl(idp.url, fixture.client.id, REDIRECT_URI), account.email)) };
      }),
    );
    const answers = await Promise.all(
      flows.map(({ browser, csrf, action }) => browser.request(action, { form: { csrf, password: 'wrong guess' } })),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(50).fill(401));

    const stored = (await idp.services.accounts.findById(account.id))!;
    expect(stored).toMatchObject({ state: 'locked', failedAttempts: 5, lockedReason: 'too_many_failed_attempts', lockedUntil: null });
    const locks = await idp.services.audit.list({ tenantId: fixture.tenant.id, action: 'account.locked', limit: 100 });
    expect(locks.filter((e) => e.target?.id === account.id)).toHaveLength(1);
    const mails = await waitForOutbox(idp.dataDir, mailsBefore + 1);
    const notices = mails.slice(mailsBefore);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toContain(`To: ${account.email}`);
    expect(notices[0]).toContain('locked after too many failed sign-in attempts');
  });

  test('a burst of parallel guesses gets no more passwords checked than the lockout allows: the right one, last, is refused', async () => {
    const account = await newAccount();
    const flows = await Promise.all(
      Array.from({ length: 50 }, async () => {
        const browser = new FormClient(idp.url);
        return { browser, ...(await passwordStep(browser, authorizationUrl(idp.url, fixture.client.id, REDIRECT_URI), account.email)) };
      }),
    );
    const answers = await Promise.all(
      flows.map(({ browser, csrf, action }, i) =>
        browser.request(action, { form: { csrf, password: i === 49 ? PASSWORD : `guess number ${i}` } }),
      ),
    );
    expect(answers.every((a) => a.status === 401)).toBe(true);
    // Each attempt is counted before its password is compared: five were compared, 45 met a lock.
    const events = (await idp.services.audit.list({ tenantId: fixture.tenant.id, action: 'login.password', limit: 500 })).filter(
      (e) => e.target?.id === account.id,
    );
    expect(events.filter((e) => e.reason === 'wrong_password')).toHaveLength(5);
    expect(events.filter((e) => e.reason === 'locked')).toHaveLength(45);
    expect((await idp.services.accounts.findById(account.id))!).toMatchObject({ state: 'locked', failedAttempts: 5 });
  });

  test('a locked account refuses even the correct password, with the same answer as a wrong one or an unknown e-mail', async () => {
    const account = await newAccount();
    for (let i = 0; i < 5; i += 1) await attempt(account.email, 'wrong guess');
    const normalize = (html: string, email: string) =>
      html
        .replaceAll(email, 'EMAIL')
        .replace(/value="[\w-]{43}"/g, 'value="CSRF"')
        .replace(/\/interaction\/[\w-]+/g, '/interaction/UID');
    const locked = await attempt(account.email, PASSWORD);
    const wrong = await attempt('ann@acme.example', 'wrong guess');
    const unknown = await attempt('nobody@acme.example', PASSWORD);
    const bodies = [
      normalize(await locked.text(), account.email),
      normalize(await wrong.text(), 'ann@acme.example'),
      normalize(await unknown.text(), 'nobody@acme.example'),
    ];
    expect([locked.status, wrong.status, unknown.status]).toEqual([401, 401, 401]);
    expect(bodies[1]).toBe(bodies[0]);
    expect(bodies[2]).toBe(bodies[0]);
    expect((await idp.services.accounts.findById(account.id))!.failedAttempts).toBe(5);
  });

  test('a successful sign-in resets the counter', async () => {
    const account = await newAccount();
    for (let i = 0; i < 4; i += 1) await attempt(account.email, 'wrong guess');
    expect((await idp.services.accounts.findById(account.id))!.failedAttempts).toBe(4);
    expect((await attempt(account.email, PASSWORD)).status).toBe(303);
    expect((await idp.services.accounts.findById(account.id))!).toMatchObject({ failedAttempts: 0, state: 'active' });
    await attempt(account.email, 'wrong guess');
    expect((await idp.services.accounts.findById(account.id))!.failedAttempts).toBe(1);
  });

  test('locking ends existing sessions and refresh tokens; the SSO session no longer signs in', async () => {
    const account = await newAccount();
    const config = await oidc.discovery(new URL(idp.url), fixture.client.id, fixture.secret, undefined, {
      execute: [oidc.allowInsecureRequests],
    });
    const browser = new FormClient(idp.url);
    const tokens = await codeFlowTokens(config, browser, { email: account.email, password: PASSWORD }, { redirectUri: REDIRECT_URI });
    for (let i = 0; i < 5; i += 1) await attempt(account.email, 'wrong guess');

    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect((await oidc.tokenIntrospection(config, tokens.access_token)).active).toBe(false);
    const silent = await browser.follow(authorizationUrl(idp.url, fixture.client.id, REDIRECT_URI, { prompt: 'none' }));
    expect(new URL(silent.location!).searchParams.get('error')).toBe('login_required');
    const again = await browser.follow(authorizationUrl(idp.url, fixture.client.id, REDIRECT_URI));
    expect(again.location).toBeNull();
    expect(again.html).toContain('name="email"');
  });

  test('an administrator unlocks through the API, with a reason, audited; then the password works again', async () => {
    const account = await newAccount();
    for (let i = 0; i < 5; i += 1) await attempt(account.email, 'wrong guess');
    const path = `/tenants/acme/accounts/${account.id}/unlock`;
    const withoutReason = await call('POST', path, {});
    expect(withoutReason.status).toBe(400);
    expect(withoutReason.body.problems[0].field).toBe('reason');
    expect((await idp.services.accounts.findById(account.id))!.state).toBe('locked');
    const unlocked = await call('POST', path, { reason: 'owner called the service desk, ticket 77' });
    expect(unlocked.body).toMatchObject({ state: 'active', failedAttempts: 0, lockedAt: null });
    const [event] = await idp.services.audit.list({ action: 'admin.account.unlock', limit: 1 });
    expect(event).toMatchObject({
      actor: { type: 'admin_client' },
      target: { id: account.id },
      details: { reason: 'owner called the service desk, ticket 77', stateBefore: 'locked', failedAttemptsBefore: 5 },
    });
    expect((await attempt(account.email, PASSWORD)).status).toBe(303);
  });

  test('the CLI unlocks too', async () => {
    const account = await newAccount();
    for (let i = 0; i < 5; i += 1) await attempt(account.email, 'wrong guess');
    const { code, stdout: out } = await runIdp(
      ['user', 'unlock', '--tenant', 'acme', '--email', account.email, '--reason', 'verified by phone', '--json'],
      { DATA_DIR: idp.dataDir, KEYS_DIR: idp.keysDir },
    );
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ state: 'active', failedAttempts: 0 });
    expect((await attempt(account.email, PASSWORD)).status).toBe(303);
  });

  test('a temporary lockout opens by itself when its time is up', async () => {
    await call('PUT', '/tenants/acme/policy', { lockout: { maxFailedAttempts: 2, mode: 'temporary', durationMinutes: 15 } });
    try {
      const account = await newAccount();
      await attempt(account.email, 'wrong guess');
      await attempt(account.email, 'wrong guess');
      const locked = (await idp.services.accounts.findById(account.id))!;
      expect(locked.state).toBe('locked');
      const minutes = (Date.parse(locked.lockedUntil!) - Date.parse(locked.lockedAt!)) / 60_000;
      expect(minutes).toBe(15);
      expect((await attempt(account.email, PASSWORD)).status).toBe(401);
      // Let the lock run out, as if 15 minutes had passed.
      await idp.storage.accounts.update(account.id, (a) => ({ ...a, lockedUntil: new Date(Date.now() - 1000).toISOString() }));
      expect((await attempt(account.email, PASSWORD)).status).toBe(303);
      expect((await idp.services.accounts.findById(account.id))!).toMatchObject({ state: 'active', failedAttempts: 0, lockedUntil: null });
    } finally {
      await call('PUT', '/tenants/acme/policy', {});
    }
  });
});

describe('per-address throttling slows a guesser down without locking anyone', () => {
  let idp: TestIdp;
  let fixture: Awaited<ReturnType<typeof seed>>;

  beforeAll(async () => {
    idp = await startIdp({ LOGIN_RATE_LIMIT: '3', LOGIN_RATE_WINDOW_SECONDS: '3600', TRUST_PROXY: 'true' });
    fixture = await seed(idp, { redirectUri: REDIRECT_URI });
  });
  afterAll(() => idp.stop());

  async function attemptFrom(ip: string, email: string, password: string) {
    const browser = new FormClient(idp.url, { 'x-forwarded-for': ip });
    const { csrf, action } = await passwordStep(browser, authorizationUrl(idp.url, fixture.client.id, REDIRECT_URI), email);
    return browser.request(action, { form: { csrf, password } });
  }

  test('the fourth attempt from one address gets 429 with Retry-After; the account is not locked; other addresses go on', async () => {
    for (let i = 0; i < 3; i += 1) expect((await attemptFrom('198.51.100.7', 'ann@acme.example', 'wrong guess')).status).toBe(401);
    const throttled = await attemptFrom('198.51.100.7', 'ann@acme.example', PASSWORD);
    expect(throttled.status).toBe(429);
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await throttled.text()).toContain('Too many sign-in attempts from your network.');
    expect((await idp.services.accounts.findById(fixture.account.id))!).toMatchObject({ state: 'active', failedAttempts: 3 });
    expect((await attemptFrom('203.0.113.9', 'ann@acme.example', PASSWORD)).status).toBe(303);
  });

  test('only the address the proxy saw counts: a forged left-most X-Forwarded-For entry does not dodge the limit', async () => {
    for (let i = 0; i < 3; i += 1) await attemptFrom('192.0.2.50', 'ann@acme.example', 'wrong guess');
    const dodge = await attemptFrom('10.9.8.7, 192.0.2.50', 'ann@acme.example', 'wrong guess');
    expect(dodge.status).toBe(429);
    const [event] = await idp.services.audit.list({ action: 'login.password', limit: 1 });
    expect(event).toMatchObject({ ip: '192.0.2.50', reason: 'rate_limited' });
  });
});
