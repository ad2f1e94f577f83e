import { startIdp, type TestIdp } from '../support/server.js';
import { adminToken, api } from '../support/admin-client.js';
import { FormClient, csrfToken, formAction, passwordStep } from '../support/form-client.js';
import { PASSWORD, authorizationUrl, seed } from '../support/fixtures.js';
import { runIdp } from '../support/cli.js';
import { DEFAULT_TENANT_POLICY } from '../../src/policy/defaults.js';

const REDIRECT_URI = 'http://localhost:8123/callback';
const STRICT = { password: { minLength: 10, minDigits: 2, minSpecial: 1, minUpper: 1, history: 3 } };

describe('the tenant policy is managed by API and CLI and enforced wherever a password is set', () => {
  let idp: TestIdp;
  let call: ReturnType<typeof api>;
  let fixture: Awaited<ReturnType<typeof seed>>;

  beforeAll(async () => {
    idp = await startIdp();
    fixture = await seed(idp, { redirectUri: REDIRECT_URI });
    call = api(idp.url, (await adminToken(idp)).token);
  });
  afterAll(() => idp.stop());

  async function cli(...args: string[]) {
    const stdin = args[0] === '--stdin' ? args.splice(0, 2)[1]! : '';
    return runIdp(args, { DATA_DIR: idp.dataDir, KEYS_DIR: idp.keysDir, BCRYPT_COST: '4' }, stdin);
  }

  test('GET returns the defaults; PUT validates, lists every problem and stores nothing when invalid', async () => {
    expect((await call('GET', '/tenants/acme/policy')).body).toEqual(DEFAULT_TENANT_POLICY);
    const bad = await call('PUT', '/tenants/acme/policy', {
      password: { minLength: 0, maxLength: 32, minDigits: -1 },
      lockout: { mode: 'sometimes' },
    });
    expect(bad.status).toBe(400);
    expect(bad.type).toContain('application/problem+json');
    expect(bad.body.problems.map((p: { field: string }) => p.field).sort()).toEqual([
      'lockout.mode',
      'password.maxLength',
      'password.minDigits',
      'password.minLength',
    ]);
    expect((await call('GET', '/tenants/acme/policy')).body).toEqual(DEFAULT_TENANT_POLICY);
  });

  test('PUT applies and is audited with the old and new values', async () => {
    const put = await call('PUT', '/tenants/acme/policy', STRICT);
    expect(put.body.password).toMatchObject(STRICT.password);
    const [event] = await idp.services.audit.list({ action: 'admin.tenant.policy_update', limit: 1 });
    expect(event!.details).toMatchObject({ before: { password: { minLength: 6 } }, after: { password: { minLength: 10, history: 3 } } });
  });

  test('the CLI reads and changes the policy field by field, refusing bad values', async () => {
    const got = await cli('tenant', 'policy', 'get', '--tenant', 'acme', '--json');
    expect(JSON.parse(got.stdout).password.minLength).toBe(10);
    const set = await cli('tenant', 'policy', 'set', '--tenant', 'acme', '--max-failed-attempts', '7', '--json');
    expect(JSON.parse(set.stdout)).toMatchObject({ password: { minLength: 10 }, lockout: { maxFailedAttempts: 7 } });
    const bad = await cli('tenant', 'policy', 'set', '--tenant', 'acme', '--lockout-mode', 'temporary');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('lockout.durationMinutes: a temporary lockout needs durationMinutes');
    expect((await cli('tenant', 'policy', 'set', '--tenant', 'acme', '--min-length', 'ten')).code).toBe(2);
    const [event] = await idp.services.audit.list({ action: 'admin.tenant.policy_update', limit: 1 });
    expect(event).toMatchObject({
      actor: { type: 'cli' },
      details: { before: { lockout: { maxFailedAttempts: 5 } }, after: { lockout: { maxFailedAttempts: 7 } } },
    });
  });

  test('creating an account through the API reports every broken rule and stores nothing', async () => {
    const refused = await call('POST', '/tenants/acme/accounts', { email: 'new@acme.example', password: 'dragon' });
    expect(refused.status).toBe(400);
    expect(refused.body.problems).toEqual([
      { field: 'password', code: 'password.too_short', message: 'Use at least 10 characters.', params: { n: 10 } },
      { field: 'password', code: 'password.min_digits', message: 'Include at least 2 digits.', params: { n: 2 } },
      {
        field: 'password',
        code: 'password.min_special',
        message: 'Include at least 1 special characters (not a letter, digit or space).',
        params: { n: 1 },
      },
      { field: 'password', code: 'password.min_upper', message: 'Include at least 1 upper-case letters.', params: { n: 1 } },
      { field: 'password', code: 'password.common', message: 'This is one of the most common passwords. Choose another.' },
    ]);
    expect((await call('GET', '/tenants/acme/accounts?limit=200')).body.items.map((a: { email: string }) => a.email)).not.toContain(
      'new@acme.example',
    );
    expect((await call('POST', '/tenants/acme/accounts', { email: 'new@acme.example', password: 'Tr0ub4dor&33' })).status).toBe(201);
  });

  test('staff accounts meet the stricter floor; setting a password by API or CLI obeys the policy and its history', async () => {
    const staff = await call('POST', '/tenants/acme/accounts', { email: 'ops@acme.example', staff: true, password: 'Short!12' });
    expect(staff.body.problems.map((p: { code: string }) => p.code)).toEqual(['password.too_short']);
    const created = await call('POST', '/tenants/acme/accounts', { email: 'ops@acme.example', staff: true, password: 'Long-Enough!12x' });
    expect(created.body).toMatchObject({ staff: true, state: 'active' });
    const id = created.body.id;
    expect((await call('PATCH', `/tenants/acme/accounts/${id}`, { password: 'Second-Pass!34' })).status).toBe(200);
    const reuse = await call('PATCH', `/tenants/acme/accounts/${id}`, { password: 'Long-Enough!12x' });
    expect(reuse.body.problems.map((p: { code: string }) => p.code)).toEqual(['password.reused']);
    const viaCli = await cli(
      '--stdin',
      'Second-Pass!34\n',
      'user',
      'set-password',
      '--tenant',
      'acme',
      '--email',
      'ops@acme.example',
      '--password-stdin',
    );
    expect(viaCli.code).toBe(1);
    expect(viaCli.stderr).toContain('Do not reuse a recent password.');
    expect(
      (
        await cli(
          '--stdin',
          'Third-Pass!56\n',
          'user',
          'set-password',
          '--tenant',
          'acme',
          '--email',
          'ops@acme.example',
          '--password-stdin',
        )
      ).code,
    ).toBe(0);
    const weak = await cli('--stdin', 'abc\n', 'user', 'create', '--tenant', 'acme', '--email', 'weak@acme.example', '--password-stdin');
    expect(weak).toMatchObject({ code: 1, stderr: expect.stringContaining('password: Use at least 10 characters.') });
  });

  test('with changeNonCompliantAtLogin, an old weak password must be replaced at sign-in, with every rule shown in Swedish', async () => {
    await call('PUT', '/tenants/acme/policy', { password: { ...STRICT.password, changeNonCompliantAtLogin: true } });
    // fixture.account's password was set under the default policy and breaks the strict one.
    const browser = new FormClient(idp.url, { 'accept-language': 'sv' });
    const { csrf, action } = await passwordStep(browser, authorizationUrl(idp.url, fixture.client.id, REDIRECT_URI), 'ann@acme.example');
    const change = await browser.follow(action, { form: { csrf, password: PASSWORD } });
    expect(change.location).toBeNull();
    expect(change.html).toContain('Välj ett nytt lösenord');
    expect(change.html).toContain('<label for="newPassword">Nytt lösenord</label>');

    const weak = await browser.request(formAction(change.html, '/new-password'), {
      form: { csrf: csrfToken(change.html), newPassword: 'password' },
    });
    expect(weak.status).toBe(400);
    const html = await weak.text();
    for (const rule of [
      'Använd minst 10 tecken.',
      'Ta med minst 2 siffror.',
      'Ta med minst 1 specialtecken',
      'Ta med minst 1 versaler.',
      'Det här är ett av de vanligaste lösenorden.',
    ]) {
      expect(html).toContain(rule);
    }
    const before = (await idp.services.accounts.findById(fixture.account.id))!.passwordHash;

    const reused = await browser.request(formAction(change.html, '/new-password'), {
      form: { csrf: csrfToken(change.html), newPassword: PASSWORD },
    });
    expect(await reused.text()).toContain('Återanvänd inte ett tidigare lösenord.');
    expect((await idp.services.accounts.findById(fixture.account.id))!.passwordHash).toBe(before);

    const done = await browser.follow(formAction(change.html, '/new-password'), {
      form: { csrf: csrfToken(change.html), newPassword: 'Nytt-Lösen0rd-42' },
    });
    expect(done.location).toMatch(/^http:\/\/localhost:8123\/callback\?code=/);
    const [event] = await idp.services.audit.list({ action: 'account.password_change', limit: 1 });
    expect(event).toMatchObject({ target: { id: fixture.account.id }, reason: 'non_compliant_at_login' });
    const again = new FormClient(idp.url);
    const next = await passwordStep(again, authorizationUrl(idp.url, fixture.client.id, REDIRECT_URI), 'ann@acme.example');
    const signedIn = await again.follow(next.action, { form: { csrf: next.csrf, password: 'Nytt-Lösen0rd-42' } });
    expect(signedIn.location).toMatch(/^http:\/\/localhost:8123\/callback\?code=/);
  });

  test('without the flag, an old password that breaks new rules still signs in (the policy applies at the next set)', async () => {
    await call('PUT', '/tenants/acme/policy', { password: { minLength: 40 } });
    const browser = new FormClient(idp.url);
    const { csrf, action } = await passwordStep(browser, authorizationUrl(idp.url, fixture.client.id, REDIRECT_URI), 'ann@acme.example');
    const done = await browser.follow(action, { form: { csrf, password: 'Nytt-Lösen0rd-42' } });
    expect(done.location).toMatch(/^http:\/\/localhost:8123\/callback\?code=/);
  });
});
