import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runIdp } from '../support/cli.js';
import { newAccount } from '../../src/accounts/types.js';
import { startIdp, type TestIdp } from '../support/server.js';
import { adminToken, api } from '../support/admin-client.js';
import { outbox } from '../support/outbox.js';
import { FormClient, signIn } from '../support/form-client.js';
import { authorizationUrl } from '../support/fixtures.js';

const APP = 'http://localhost:8125/cb';

/**
 * An account made by an e-ID sign-in has no e-mail address: no password sign-in, links or
 * notices until an administrator sets one. Every path that uses the address must cope with none,
 * and the personnummer is managed from the CLI as from the admin API.
 */
describe('accounts without an e-mail address, and the personnummer in the CLI', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'idp-no-email-'));
  const env = { DATA_DIR: path.join(root, 'data'), KEYS_DIR: path.join(root, 'keys'), BCRYPT_COST: '4', LOG_LEVEL: 'silent' };
  let server: TestIdp;
  let call: ReturnType<typeof api>;
  let tenantId: string;

  async function idp(args: string[], stdin = '') {
    return runIdp(args, env, stdin);
  }

  /** What a GrandID first sign-in under `create` stores: a name and a personnummer, no address. */
  async function eidAccount(name: string, personalNumber: string) {
    const account = newAccount({ tenantId, email: null, name, state: 'active' }, new Date().toISOString());
    await server.storage.accounts.insert(account);
    await server.services.accounts.update(tenantId, account.id, { personalNumber });
    return account.id;
  }

  beforeAll(async () => {
    server = await startIdp({}, { dataDir: env.DATA_DIR, keysDir: env.KEYS_DIR });
    call = api(server.url, (await adminToken(server)).token);
    tenantId = (await call('POST', '/tenants', { slug: 'acme', name: 'Acme', domains: ['acme.example'] })).body.id;
  });
  afterAll(async () => {
    await server.stop();
    rmSync(root, { recursive: true, force: true });
  });

  test('idp user set-personal-number: any valid form, read back masked, audited masked; invalid or taken refused; --clear removes', async () => {
    expect((await idp(['user', 'create', '--tenant', 'acme', '--email', 'eva@acme.example', '--invite', '--json'])).code).toBe(0);
    const set = await idp([
      'user',
      'set-personal-number',
      '--tenant',
      'acme',
      '--email',
      'eva@acme.example',
      '--personal-number',
      '811218-9876',
      '--json',
    ]);
    expect(set.code).toBe(0);
    expect(set.json()).toMatchObject({ email: 'eva@acme.example', personalNumber: '19811218-****' });
    // From standard input (out of shell history and the process list), the same.
    const piped = await idp(
      ['user', 'set-personal-number', '--tenant', 'acme', '--email', 'eva@acme.example', '--personal-number-stdin', '--json'],
      '19811218-9876\n',
    );
    expect(piped.code).toBe(0);
    expect(piped.json()).toMatchObject({ personalNumber: '19811218-****' });
    const both = ['--personal-number-stdin', '--personal-number', '811218-9876'];
    expect(
      (await idp(['user', 'set-personal-number', '--tenant', 'acme', '--email', 'eva@acme.example', ...both], '811218-9876')).code,
    ).toBe(2);
    const events = await server.services.audit.list({ action: 'admin.account.personal_number_set', limit: 1 });
    expect(events[0]).toMatchObject({ actor: { type: 'cli' }, details: { after: '19811218-****' } });

    const invalid = await idp([
      'user',
      'set-personal-number',
      '--tenant',
      'acme',
      '--email',
      'eva@acme.example',
      '--personal-number',
      '811218-9875',
      '--json',
    ]);
    expect(invalid.code).toBe(1);
    expect(JSON.parse(invalid.stderr)).toMatchObject({ error: 'validation_failed', problems: [{ field: 'personalNumber' }] });
    expect(invalid.stderr).not.toContain('9875');
    expect((await idp(['user', 'set-personal-number', '--tenant', 'acme', '--email', 'eva@acme.example'])).code).toBe(2);
    expect(
      (
        await idp([
          'user',
          'set-personal-number',
          '--tenant',
          'acme',
          '--email',
          'eva@acme.example',
          '--clear',
          '--personal-number',
          '811218-9876',
        ])
      ).code,
    ).toBe(2);

    await idp(['user', 'create', '--tenant', 'acme', '--email', 'olle@acme.example', '--invite']);
    const taken = await idp([
      'user',
      'set-personal-number',
      '--tenant',
      'acme',
      '--email',
      'olle@acme.example',
      '--personal-number',
      '198112189876',
    ]);
    expect(taken.code).toBe(1);
    expect(taken.stderr).toContain('tied to another account');

    const cleared = await idp(['user', 'set-personal-number', '--tenant', 'acme', '--email', 'eva@acme.example', '--clear', '--json']);
    expect(cleared.json().personalNumber).toBeNull();
    expect((await server.services.audit.list({ action: 'admin.account.personal_number_removed', limit: 1 }))[0]).toMatchObject({
      details: { before: '19811218-****', after: null },
    });
    const audit = JSON.stringify(await server.services.audit.list({ limit: 1000 }));
    for (const full of ['198112189876', '8112189876', '811218-9876']) expect(audit).not.toContain(full);
  });

  test('the admin API and the CLI list, read and find an account without an e-mail address by its id', async () => {
    const id = await eidAccount('Gun Holm', '195512126789');
    const listed = (await call('GET', '/tenants/acme/accounts?limit=100')).body.items.find((a: { id: string }) => a.id === id);
    expect(listed).toMatchObject({ email: null, name: 'Gun Holm', personalNumber: '19551212-****', hasPassword: false });
    const cli = (await idp(['user', 'list', '--tenant', 'acme', '--json'])).json() as { id: string; email: string | null }[];
    expect(cli.find((a) => a.id === id)!.email).toBeNull();
    expect((await idp(['user', 'unlock', '--tenant', 'acme', '--id', id, '--reason', 'check', '--json'])).json()).toMatchObject({ id });
    expect((await idp(['user', 'reset-2fa', '--tenant', 'acme', '--id', id, '--json'])).code).toBe(0);
    const pnr = await idp(['user', 'set-personal-number', '--tenant', 'acme', '--id', id, '--personal-number', '19551212-6789', '--json']);
    expect(pnr.json().personalNumber).toBe('19551212-****');
    // Exactly one of --email and --id.
    expect((await idp(['user', 'unlock', '--tenant', 'acme'])).code).toBe(2);
    expect((await idp(['user', 'unlock', '--tenant', 'acme', '--id', id, '--email', 'eva@acme.example'])).code).toBe(2);
    expect((await idp(['user', 'unlock', '--tenant', 'acme', '--id', 'nope'])).stderr).toContain('account not found');
  });

  test('no password, invitation or notice for an account without an address; setting one makes it an ordinary account', async () => {
    const id = await eidAccount('Dan Ström', '198505152341');
    const mails = outbox(server.dataDir).length;
    const withPassword = await call('PATCH', `/tenants/acme/accounts/${id}`, { password: 'a long passphrase 42!' });
    expect(withPassword.status).toBe(400);
    expect(withPassword.body.problems).toEqual([expect.objectContaining({ field: 'password', code: 'no_email' })]);
    expect((await server.storage.accounts.findById(id))!.passwordHash).toBeNull();
    expect((await call('POST', `/tenants/acme/accounts/${id}/invitation`)).status).toBe(409);
    const account = (await server.storage.accounts.findById(id))!;
    expect(await server.services.notices.sendFactorChanged(account, 'mfa_reset', 'en')).toBe(false);
    await server.services.lockNotifier.accountLocked(account, 'en', { ip: null, userAgent: null });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(outbox(server.dataDir).length).toBe(mails);

    // Given an address (no notice to a former one: there was none), the account takes a password and signs in with it.
    const named = await call('PATCH', `/tenants/acme/accounts/${id}`, { email: 'dan@acme.example', password: 'a long passphrase 42!' });
    expect(named.status).toBe(200);
    expect(named.body).toMatchObject({ email: 'dan@acme.example', hasPassword: true, personalNumber: '19850515-****' });
    expect(outbox(server.dataDir).length).toBe(mails);
    const { client } = await server.services.clients.create({ name: 'App', redirectUris: [APP], firstParty: true });
    const back = await signIn(
      new FormClient(server.url),
      authorizationUrl(server.url, client.id, APP),
      'dan@acme.example',
      'a long passphrase 42!',
    );
    expect(back).toMatch(/^http:\/\/localhost:8125\/cb\?code=/);
  });

  test("the tenant export lists it (masked personnummer, no address), and the tenant's purge removes it", async () => {
    const id = await eidAccount('Frej Ask', '196703678901');
    const exported = await idp(['tenant', 'export', '--tenant', 'acme']);
    expect(exported.code).toBe(0);
    const line = exported.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; data: { id?: string } })
      .find((l) => l.type === 'account' && l.data.id === id);
    expect(line!.data).toMatchObject({ email: null, personalNumber: '19670367-****' });
    expect(exported.stdout).not.toContain('196703678901');
    expect(exported.stdout).not.toContain('"sealed"');

    const purged = await idp(['tenant', 'delete', '--tenant', 'acme', '--now', '--yes', '--json']);
    expect(purged.code).toBe(0);
    expect(await server.storage.accounts.findById(id)).toBeNull();
  });
});
