import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { runIdp } from '../support/cli.js';
import { startIdp, type TestIdp } from '../support/server.js';
import { FormClient, passwordStep } from '../support/form-client.js';
import { authorizationUrl } from '../support/fixtures.js';
import { adminToken, api, clientCredentialsRequest } from '../support/admin-client.js';
import { startSamlIdp } from '../support/saml-idp.js';

const run = promisify(execFile);

describe('the idp command-line tool', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'idp-cli-'));
  const env = { DATA_DIR: path.join(root, 'data'), KEYS_DIR: path.join(root, 'keys'), BCRYPT_COST: '4' };
  let server: TestIdp;

  async function idp(args: string, stdin = '') {
    return runIdp(args.split(' '), env, stdin);
  }

  beforeAll(async () => {
    server = await startIdp({}, { dataDir: env.DATA_DIR, keysDir: env.KEYS_DIR });
  });
  afterAll(async () => {
    await server.stop();
    rmSync(root, { recursive: true, force: true });
  });

  test('creates a tenant, refuses a duplicate with a clear message and a non-zero exit', async () => {
    const created = await idp('tenant create --slug acme --name Acme --domain acme.example --json');
    expect(created.code).toBe(0);
    expect(created.json()).toMatchObject({ slug: 'acme', domains: ['acme.example'] });
    const again = await idp('tenant create --slug acme --name Other');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('a tenant with slug "acme" already exists');
    const bad = await idp('tenant create --slug Bad_Slug --name X --json');
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stderr)).toMatchObject({ error: 'validation_failed', problems: [{ field: 'slug' }] });
  });

  test('usage mistakes exit 2 and say what is wrong', async () => {
    expect((await idp('tenant create --name NoSlug')).stderr).toContain('--slug is required');
    expect((await idp('tenant create --slug a --name b --bogus')).code).toBe(2);
    const both = await idp('user create --tenant acme --email a@acme.example --invite --password-stdin', 'pw');
    expect(both).toMatchObject({ code: 2, stderr: expect.stringContaining('exactly one of --password-stdin and --invite') });
    expect((await idp('frobnicate')).code).toBe(2);
  });

  test('a user created with --password-stdin can sign in at the running server; the server sees CLI changes at once', async () => {
    const user = await idp('user create --tenant acme --email eva@acme.example --name Eva --password-stdin --json', 'long enough secret\n');
    expect(user.json()).toMatchObject({ email: 'eva@acme.example', state: 'active', hasPassword: true });
    const client = await idp('client create --name Ops --admin --json');
    const {
      client: { id },
      secret,
    } = client.json();
    const token = await clientCredentialsRequest(server.url, id, secret, 'admin');
    const { access_token: accessToken } = (await token.json()) as { access_token: string };
    const accounts = await fetch(`${server.url}/admin/v1/tenants/acme/accounts`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect(((await accounts.json()) as { items: { email: string }[] }).items.map((a) => a.email)).toContain('eva@acme.example');
    const { client: app } = await server.services.clients.create({
      name: 'App',
      redirectUris: ['http://localhost:8123/cb'],
      firstParty: true,
    });
    const browser = new FormClient(server.url);
    const { csrf, action } = await passwordStep(
      browser,
      authorizationUrl(server.url, app.id, 'http://localhost:8123/cb'),
      'eva@acme.example',
    );
    const done = await browser.follow(action, { form: { csrf, password: 'long enough secret' } });
    expect(done.location).toMatch(/^http:\/\/localhost:8123\/cb\?code=/);
  });

  test('client create/update set the logout URIs and the device grant; a bad URI is refused and changes nothing', async () => {
    const created = await idp(
      'client create --name TV --public --device-flow --backchannel-logout-uri https://tv.example/bcl --backchannel-logout-session-required --json',
    );
    expect(created.code).toBe(0);
    const client = created.json().client;
    expect(client).toMatchObject({
      deviceFlow: true,
      redirectUris: [],
      backchannelLogoutUri: 'https://tv.example/bcl',
      backchannelLogoutSessionRequired: true,
    });
    const bad = await idp(`client update --id ${client.id} --frontchannel-logout-uri http://tv.example/fc --json`);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stderr)).toMatchObject({ error: 'validation_failed', problems: [{ field: 'frontchannelLogoutUri' }] });
    expect((await idp(`client update --id ${client.id} --device-flow maybe`)).code).toBe(2);
    const updated = await idp(
      `client update --id ${client.id} --backchannel-logout-uri= --frontchannel-logout-uri https://tv.example/fc --frontchannel-logout-session-required true --json`,
    );
    expect(updated.code).toBe(0);
    expect(updated.json()).toMatchObject({
      backchannelLogoutUri: null,
      frontchannelLogoutUri: 'https://tv.example/fc',
      frontchannelLogoutSessionRequired: true,
      deviceFlow: true,
    });
    const [event] = await server.services.audit.list({ action: 'admin.client.update', limit: 1 });
    expect(event).toMatchObject({ actor: { type: 'cli' }, target: { id: client.id } });
  });

  test('invite creates an account waiting for its password', async () => {
    const invited = await idp('user create --tenant acme --email new@acme.example --invite --json');
    expect(invited.json()).toMatchObject({ state: 'invited', hasPassword: false });
  });

  test('unlock lifts a lock, clears the counter and is audited with the reason', async () => {
    const account = await server.services.accounts.getByEmail((await server.services.tenants.get('acme')).id, 'eva@acme.example');
    await server.storage.accounts.update(account.id, (a) => ({
      ...a,
      state: 'locked',
      lockedAt: new Date().toISOString(),
      lockedReason: 'too_many_failed_attempts',
      failedAttempts: 5,
    }));
    const unlocked = await idp('user unlock --tenant acme --email EVA@acme.example --reason ticket-42 --json');
    expect(unlocked.json()).toMatchObject({ state: 'active', failedAttempts: 0, lockedReason: null });
    const [event] = await server.services.audit.list({ action: 'admin.account.unlock', limit: 1 });
    expect(event).toMatchObject({
      actor: { type: 'cli' },
      details: { reason: 'ticket-42', stateBefore: 'locked', failedAttemptsBefore: 5 },
    });
    expect((await idp('user unlock --tenant acme --email nobody@acme.example')).stderr).toContain('account not found');
  });

  test("the installed bin runs on the project's Node.js and prints JSON", async () => {
    const bin = path.resolve('bin/idp.js');
    const { stdout } = await run(process.execPath, [bin, 'tenant', 'list', '--json'], { env: { ...process.env, ...env } });
    expect(JSON.parse(stdout).map((t: { slug: string }) => t.slug)).toEqual(['acme']);
    await expect(
      run(process.execPath, [bin, 'tenant', 'get', '--tenant', 'nope'], { env: { ...process.env, ...env } }),
    ).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('tenant not found') });
  });

  test('the CLI and the admin API record the very same audit entry for the same change (one operations layer)', async () => {
    const call = api(server.url, (await adminToken(server)).token);
    expect((await call('POST', '/tenants', { slug: 'by-api', name: 'By API' })).status).toBe(201);
    expect((await idp('tenant create --slug by-cli --name ByCli --json')).code).toBe(0);
    const [byCli, byApi] = await server.services.audit.list({ action: 'admin.tenant.create', limit: 2 });
    expect(byApi).toMatchObject({ actor: { type: 'admin_client' }, target: { type: 'tenant' }, details: { after: { slug: 'by-api' } } });
    expect(byCli).toMatchObject({ actor: { type: 'cli' }, target: { type: 'tenant' }, details: { after: { slug: 'by-cli' } } });
    expect(Object.keys(byCli!.details!)).toEqual(Object.keys(byApi!.details!));
    expect(byCli!.tenantId).toBe(byCli!.target!.id);
    expect(byApi!.tenantId).toBe(byApi!.target!.id);
  });

  test('connection create --kind saml imports IdP metadata from a file; unreadable or useless input changes nothing', async () => {
    const samlIdp = await startSamlIdp();
    try {
      const file = path.join(root, 'idp-metadata.xml');
      samlIdp.setMetadata({ ssoBinding: 'both', slo: true });
      writeFileSync(file, samlIdp.metadataXml());
      const created = await idp(
        `connection create --tenant acme --kind saml --name Okta --metadata-file ${file} --first-sign-in create ` +
          '--sso-binding post --require-encrypted-assertions --json',
      );
      expect(created.code).toBe(0);
      const connection = created.json();
      expect(connection).toMatchObject({
        kind: 'saml',
        idp: { entityId: samlIdp.entityId, ssoBinding: 'post', sloUrl: expect.stringMatching(/\/slo$/) },
        firstSignIn: 'create',
        requireEncryptedAssertions: true,
        sp: {
          acsUrl: expect.stringMatching(/\/federation\/saml\/.+\/acs$/),
          sloUrl: expect.stringMatching(/\/federation\/saml\/.+\/slo$/),
          encryptionCertificate: expect.stringContaining('BEGIN CERTIFICATE'),
        },
      });
      expect(JSON.stringify(connection)).not.toContain('PRIVATE KEY');
      const listed = (await idp('connection list --tenant acme --json')).json();
      const missing = await idp('connection create --tenant acme --kind saml --name X --metadata-file /nonexistent/metadata.xml');
      expect(missing).toMatchObject({ code: 2, stderr: expect.stringContaining('cannot read /nonexistent/metadata.xml') });
      writeFileSync(file, '<not-metadata/>');
      const useless = await idp(`connection create --tenant acme --kind saml --name X --metadata-file ${file}`);
      expect(useless.code).toBe(1);
      expect(useless.stderr).toContain('the IdP metadata cannot be used');
      const oidcWithout = await idp('connection create --tenant acme --kind oidc --name X --issuer https://sso.example.com');
      expect(oidcWithout).toMatchObject({ code: 2, stderr: expect.stringContaining('--client-id is required') });
      expect((await idp('connection list --tenant acme --json')).json()).toEqual(listed);
    } finally {
      await samlIdp.close();
    }
  });

  test('idp backup copies the store consistently while the server runs; the copy is private and never overwrites', async () => {
    const file = path.join(root, 'backup.sqlite');
    const done = await idp(`backup --to ${file} --json`);
    expect(done.code).toBe(0);
    expect(done.json()).toMatchObject({ file, pages: expect.any(Number), bytes: expect.any(Number) });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const copy = new DatabaseSync(file, { readOnly: true });
    try {
      const count = (copy.prepare('SELECT COUNT(*) AS n FROM tenants').get() as { n: number }).n;
      expect(count).toBe((await server.services.tenants.list({ limit: 1000 })).length);
    } finally {
      copy.close();
    }
    expect(await idp(`backup --to ${file}`)).toMatchObject({ code: 2, stderr: expect.stringContaining('exists already') });
    const [event] = await server.services.audit.list({ action: 'admin.backup', limit: 1 });
    expect(event).toMatchObject({ actor: { type: 'cli' }, details: { file } });
  });
});
