import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import * as oidc from 'openid-client';
import { startIdp, type TestIdp } from '../support/server.js';
import { FormClient, csrfToken, formAction, passwordStep } from '../support/form-client.js';
import { PASSWORD, authorizationUrl, seed } from '../support/fixtures.js';
import { adminToken, api } from '../support/admin-client.js';
import { codeFor, keyFromPage, recoveryCodesFromPage } from '../support/totp.js';
import { ACR_MFA, ACR_PASSWORD } from '../../src/oidc/settings.js';
import { waitForOutbox } from '../support/outbox.js';
import { runIdp } from '../support/cli.js';

const REDIRECT_URI = 'http://localhost:8123/callback';

describe('TOTP second factor', () => {
  let idp: TestIdp;
  let fixture: Awaited<ReturnType<typeof seed>>;
  let config: oidc.Configuration;
  let call: ReturnType<typeof api>;
  let n = 0;

  beforeAll(async () => {
    idp = await startIdp({ LOGIN_RATE_LIMIT: '10000' });
    fixture = await seed(idp, { redirectUri: REDIRECT_URI });
    config = await oidc.discovery(new URL(idp.url), fixture.client.id, fixture.secret, undefined, {
      execute: [oidc.allowInsecureRequests],
    });
    call = api(idp.url, (await adminToken(idp)).token);
  });
  afterAll(() => idp.stop());

  async function newAccount(tenantId = fixture.tenant.id) {
    n += 1;
    return idp.services.accounts.create(tenantId, { email: `mfa${n}@acme.example`, password: PASSWORD });
  }

  /** Signs in to "My profile" with the password (and a code when asked); returns the profile page. */
  async function openProfile(email: string, code?: string) {
    const browser = new FormClient(idp.url);
    const login = await browser.follow('/account');
    const csrf = csrfToken(login.html);
    const step = await browser.follow(formAction(login.html, '/email'), { form: { csrf, email } });
    let page = await browser.follow(formAction(step.html, '/password'), { form: { csrf, password: PASSWORD } });
    if (code !== undefined) page = await browser.follow(formAction(page.html, '/second-factor'), { form: { csrf, code } });
    return { browser, html: page.html };
  }

  async function enrolInProfile(email: string) {
    const { browser, html } = await openProfile(email);
    expect(html).toContain('<h1>My profile</h1>');
    const csrf = csrfToken(html);
    const setup = await browser.follow('/account/2fa/start', { form: { csrf } });
    expect(setup.html).toMatch(/<img class="qr" src="data:image\/png;base64,/);
    const secret = keyFromPage(setup.html);
    const done = await browser.follow('/account/2fa/confirm', { form: { csrf, code: codeFor(secret) } });
    const codes = recoveryCodesFromPage(done.html);
    return { browser, csrf, secret, codes };
  }

  async function atSecondFactor(email: string, extra: Record<string, string> = {}) {
    const browser = new FormClient(idp.url);
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      ...extra,
    });
    const { csrf, action } = await passwordStep(browser, url.toString(), email);
    const page = await browser.follow(action, { form: { csrf, password: PASSWORD } });
    return { browser, csrf, verifier, html: page.html, location: page.location };
  }

  async function submitCode(flow: Awaited<ReturnType<typeof atSecondFactor>>, code: string) {
    return flow.browser.follow(formAction(flow.html, '/second-factor'), { form: { csrf: flow.csrf, code } });
  }

  test('enrolment in My profile: QR and key, active only after a valid code, ten recovery codes shown once', async () => {
    const account = await newAccount();
    const { browser, html } = await openProfile(account.email);
    const csrf = csrfToken(html);
    const setup = await browser.follow('/account/2fa/start', { form: { csrf } });
    const secret = keyFromPage(setup.html);
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    const wrong = await browser.follow('/account/2fa/confirm', { form: { csrf, code: '000000' } });
    expect(wrong.response.status).toBe(400);
    expect((await idp.services.accounts.findById(account.id))!.totp).toBeNull();
    const done = await browser.follow('/account/2fa/confirm', { form: { csrf, code: codeFor(secret) } });
    const codes = recoveryCodesFromPage(done.html);
    expect(codes).toHaveLength(10);
    const stored = (await idp.services.accounts.findById(account.id))!;
    expect(stored.totp!.sealedSecret).toMatch(/^v1\./);
    expect(JSON.stringify(stored)).not.toContain(secret);
    for (const code of codes) expect(JSON.stringify(stored)).not.toContain(code);
    // The factor now guards the profile too: the password-only session no longer opens it.
    const again = await browser.follow('/account');
    expect(again.html).toContain('name="email"');
    const profile = await openProfile(account.email, codeFor(secret, 1));
    expect(profile.html).toContain('On: sign-in asks for a code from your authenticator app.');
    const [notice] = await waitForOutbox(idp.dataDir, 1);
    expect(notice).toContain(`To: ${account.email}`);
    expect(notice).toContain('Two-step verification was turned on for your account');
  });

  test('sign-in then asks for a code; the ID token says amr otp and acr mfa', async () => {
    const account = await newAccount();
    const { secret } = await enrolInProfile(account.email);
    const flow = await atSecondFactor(account.email);
    expect(flow.location).toBeNull();
    expect(flow.html).toContain('<label for="code">Code</label>');
    const done = await submitCode(flow, codeFor(secret, 1));
    const tokens = await oidc.authorizationCodeGrant(config, new URL(done.location!), { pkceCodeVerifier: flow.verifier });
    expect(tokens.claims()).toMatchObject({ sub: account.id, acr: ACR_MFA, amr: ['pwd', 'otp', 'mfa'] });
  });

  test('a used code is refused (replay), also when two sign-ins race with it', async () => {
    const account = await newAccount();
    const { secret } = await enrolInProfile(account.email);
    const code = codeFor(secret, 1);
    const first = await atSecondFactor(account.email);
    const second = await atSecondFactor(account.email);
    const third = await atSecondFactor(account.email);
    const [a, b] = await Promise.all([submitCode(first, code), submitCode(second, code)]);
    expect([a.location !== null, b.location !== null].filter(Boolean)).toHaveLength(1);
    const replay = await submitCode(third, code);
    expect(replay.response.status).toBe(401);
    expect(replay.html).toContain('The code is not correct, or was already used.');
    const reasons = (await idp.services.audit.list({ action: 'login.second_factor', limit: 5 })).map((e) => e.reason);
    expect(reasons).toContain('replayed');
  });

  test('a recovery code works once in place of a code', async () => {
    const account = await newAccount();
    const { codes } = await enrolInProfile(account.email);
    const flow = await atSecondFactor(account.email);
    const done = await submitCode(flow, codes[3]!.toUpperCase().replaceAll('-', ' '));
    expect(done.location).toMatch(/code=/);
    const tokens = await oidc.authorizationCodeGrant(config, new URL(done.location!), { pkceCodeVerifier: flow.verifier });
    expect(tokens.claims()!.amr).toEqual(['pwd', 'mfa']);
    expect((await idp.services.accounts.findById(account.id))!.recoveryCodeHashes).toHaveLength(9);
    const again = await submitCode(await atSecondFactor(account.email), codes[3]!);
    expect(again.response.status).toBe(401);
  });

  test('wrong codes count toward the lockout shared with passwords', async () => {
    const account = await newAccount();
    await enrolInProfile(account.email);
    let last;
    for (let i = 0; i < 5; i += 1) last = await submitCode(await atSecondFactor(account.email), '123456');
    expect(last!.response.status).toBe(401);
    expect((await idp.services.accounts.findById(account.id))!).toMatchObject({ state: 'locked', failedAttempts: 5 });
  });

  test('a tenant that requires 2FA makes its people enrol right after the password, and they cannot skip it', async () => {
    const strict = await idp.services.tenants.create({ slug: 'strict', name: 'Strict AB' });
    await idp.services.tenants.setPolicy(strict.id, { password: { require2fa: true } });
    const account = await newAccount(strict.id);
    const flow = await atSecondFactor(account.email);
    expect(flow.location).toBeNull();
    expect(flow.html).toContain('A second step is required when you sign in here.');
    const secret = keyFromPage(flow.html);
    const skip = await flow.browser.request(formAction(flow.html, '/enrol').replace('/enrol', '/enrolled'), { form: { csrf: flow.csrf } });
    expect(skip.status).toBe(400);
    const reload = await flow.browser.follow(new URL(formAction(flow.html, '/enrol').replace('/enrol', ''), idp.url).toString());
    expect(keyFromPage(reload.html)).toBe(secret);
    const codesPage = await flow.browser.follow(formAction(flow.html, '/enrol'), { form: { csrf: flow.csrf, code: codeFor(secret) } });
    expect(recoveryCodesFromPage(codesPage.html)).toHaveLength(10);
    const done = await flow.browser.follow(formAction(codesPage.html, '/enrolled'), { form: { csrf: flow.csrf } });
    const tokens = await oidc.authorizationCodeGrant(config, new URL(done.location!), { pkceCodeVerifier: flow.verifier });
    expect(tokens.claims()).toMatchObject({ acr: ACR_MFA });

    const profile = await openProfile(account.email, codeFor(secret, 1));
    expect(profile.html).toContain('Your organisation requires it.');
    const refused = await profile.browser.request('/account/2fa/disable', { form: { csrf: csrfToken(profile.html), password: PASSWORD } });
    expect(refused.status).toBe(403);
    expect((await idp.services.accounts.findById(account.id))!.totp).not.toBeNull();
  });

  test('an app asking for acr mfa gets it enforced: a password-only session is not reused, the code is asked, and without a factor the app is told', async () => {
    const account = await newAccount();
    const plain = await atSecondFactor(account.email);
    const plainTokens = await oidc.authorizationCodeGrant(config, new URL(plain.location!), { pkceCodeVerifier: plain.verifier });
    expect(plainTokens.claims()).toMatchObject({ acr: ACR_PASSWORD, amr: ['pwd'] });

    const silent = await plain.browser.follow(
      authorizationUrl(idp.url, fixture.client.id, REDIRECT_URI, { acr_values: ACR_MFA, prompt: 'none' }),
    );
    expect(new URL(silent.location!).searchParams.get('error')).toBe('login_required');
    // No factor: enrolling now would let whoever holds the password bind their own app, so the app hears it.
    const noFactor = await atSecondFactor(account.email, { acr_values: ACR_MFA });
    expect(new URL(noFactor.location!).searchParams.get('error')).toBe('unmet_authentication_requirements');

    const { secret } = await enrolInProfile(account.email);
    const stepUp = await atSecondFactor(account.email, { acr_values: ACR_MFA });
    const done = await submitCode(stepUp, codeFor(secret, 1));
    const tokens = await oidc.authorizationCodeGrant(config, new URL(done.location!), { pkceCodeVerifier: stepUp.verifier });
    expect(tokens.claims()).toMatchObject({ acr: ACR_MFA, amr: ['pwd', 'otp', 'mfa'] });
  });

  test('parallel wrong codes cannot outrun the lock, and a right code after it is refused', async () => {
    const account = await newAccount();
    const { secret } = await enrolInProfile(account.email);
    // 21 sign-ins reach the code step while the account is still open.
    const flows = await Promise.all(Array.from({ length: 21 }, () => atSecondFactor(account.email)));
    const stepBefore = (await idp.services.accounts.findById(account.id))!.totp!.lastUsedStep;
    const answers = await Promise.all(flows.slice(0, 20).map((flow) => submitCode(flow, '000000')));
    expect(answers.every((a) => a.location === null)).toBe(true);
    expect((await idp.services.accounts.findById(account.id))!).toMatchObject({ state: 'locked', failedAttempts: 5 });
    // The lock ended the account's sign-ins in progress too; the right code changes nothing.
    const late = await submitCode(flows[20]!, codeFor(secret, 1));
    expect(late.location).toBeNull();
    expect(late.response.status).toBeGreaterThanOrEqual(400);
    expect((await idp.services.accounts.findById(account.id))!).toMatchObject({ state: 'locked', totp: { lastUsedStep: stepBefore } });
  });

  test('what one account proved does not carry over when the same flow moves on to another account', async () => {
    const tenant = await idp.services.tenants.create({ slug: `carry${n}`, name: 'Carry AB' });
    const a = await newAccount(tenant.id);
    const b = await newAccount(tenant.id);
    const { secret: secretA } = await enrolInProfile(a.email);
    await enrolInProfile(b.email);
    await idp.services.tenants.setPolicy(tenant.id, { password: { minLength: 40, changeNonCompliantAtLogin: true } });
    const flow = await atSecondFactor(a.email);
    const change = await submitCode(flow, codeFor(secretA, 1));
    expect(change.html).toContain('Choose a new password');
    const base = formAction(flow.html, '/second-factor').replace('/second-factor', '');
    const step = await flow.browser.follow(`${base}/email`, { form: { csrf: flow.csrf, email: b.email } });
    const next = await flow.browser.follow(formAction(step.html, '/password'), { form: { csrf: flow.csrf, password: PASSWORD } });
    expect(next.location).toBeNull();
    expect(next.html).toContain('<label for="code">Code</label>');
  });

  test('with a factor, a password that must change is changed only after the code', async () => {
    const tenant = await idp.services.tenants.create({ slug: `chg${n}`, name: 'Change AB' });
    const account = await newAccount(tenant.id);
    const { secret } = await enrolInProfile(account.email);
    await idp.services.tenants.setPolicy(tenant.id, { password: { minLength: 40, changeNonCompliantAtLogin: true } });
    const flow = await atSecondFactor(account.email);
    expect(flow.html).toContain('<label for="code">Code</label>');
    const early = await flow.browser.request(formAction(flow.html, '/second-factor').replace('/second-factor', '/new-password'), {
      form: { csrf: flow.csrf, newPassword: 'an attacker would like this one to be the new password' },
    });
    expect(early.status).toBe(400);
    expect((await idp.services.accounts.findById(account.id))!.passwordHash).toBe(account.passwordHash);
    const change = await submitCode(flow, codeFor(secret, 1));
    expect(change.html).toContain('Choose a new password');
  });

  test('turning it off in My profile needs the password', async () => {
    const account = await newAccount();
    const { secret } = await enrolInProfile(account.email);
    const { browser, html } = await openProfile(account.email, codeFor(secret, 1));
    const csrf = csrfToken(html);
    const wrong = await browser.request('/account/2fa/disable', { form: { csrf, password: 'not my password' } });
    expect(wrong.status).toBe(401);
    expect((await idp.services.accounts.findById(account.id))!.totp).not.toBeNull();
    const noCsrf = await browser.request('/account/2fa/disable', { form: { password: PASSWORD } });
    expect(noCsrf.status).toBe(403);
    const right = await browser.request('/account/2fa/disable', { form: { csrf, password: PASSWORD } });
    expect(await right.text()).toContain('Two-step verification is off.');
    expect((await idp.services.accounts.findById(account.id))!).toMatchObject({ totp: null, recoveryCodeHashes: [] });
  });

  test('the secret cannot be read from the database file', async () => {
    const account = await newAccount();
    const { secret } = await enrolInProfile(account.email);
    const files = readdirSync(idp.dataDir).filter((f) => f.startsWith('idp.sqlite'));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const bytes = readFileSync(path.join(idp.dataDir, file)).toString('latin1');
      expect(bytes).not.toContain(secret);
    }
  });

  test('an administrator resets the factor by API and CLI, audited', async () => {
    const one = await newAccount();
    await enrolInProfile(one.email);
    const reset = await call('DELETE', `/tenants/acme/accounts/${one.id}/mfa`);
    expect(reset.body).toMatchObject({ mfaEnabled: false, recoveryCodesLeft: 0 });
    const [event] = await idp.services.audit.list({ action: 'admin.account.mfa_reset', limit: 1 });
    expect(event).toMatchObject({ target: { id: one.id }, details: { hadFactor: true } });

    const two = await newAccount();
    await enrolInProfile(two.email);
    const { code, stdout: out } = await runIdp(['user', 'reset-2fa', '--tenant', 'acme', '--email', two.email, '--json'], {
      DATA_DIR: idp.dataDir,
      KEYS_DIR: idp.keysDir,
    });
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ mfaEnabled: false });
    const flow = await atSecondFactor(two.email);
    expect(flow.location).toMatch(/code=/);
  });
});
