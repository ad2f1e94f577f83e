import { startIdp, type TestIdp } from '../support/server.js';
import { adminToken, api } from '../support/admin-client.js';
import { PASSWORD } from '../support/fixtures.js';
import { codeFor } from '../support/totp.js';
import { outbox, waitForOutbox } from '../support/outbox.js';
import { linkIn } from '../support/smtp.js';
import { runIdp } from '../support/cli.js';
import { hashOf } from '../../src/audit/chain.js';
import { DatabaseSync } from 'node:sqlite';
import path from 'node:path';
import { SQLITE_FILE_NAME } from '../../src/storage/open.js';
import type { OidcConnection } from '../../src/federation/types.js';

const UPSTREAM_SECRET = 'upstream-secret-the-export-must-not-hold';

type Line = { type: string; data: Record<string, unknown> };

describe('a tenant export holds everything the tenant owns, as JSON Lines, and no secret', () => {
  let idp: TestIdp;
  let token: string;
  let call: ReturnType<typeof api>;

  beforeAll(async () => {
    idp = await startIdp();
    token = (await adminToken(idp)).token;
    call = api(idp.url, token);
  });
  afterAll(() => idp.stop());

  test('content field by field; a scan for every secret, hash and seed the test knows finds none; CLI and API agree', async () => {
    const tenant = (await call('POST', '/tenants', { slug: 'exported', name: 'Exported AB', domains: ['exported.example'] })).body;
    await call('POST', '/tenants', { slug: 'other', name: 'Other AB' });
    await call('PUT', '/tenants/exported/policy', { password: { minLength: 10 } });
    const person = (await call('POST', '/tenants/exported/accounts', { email: 'eva@exported.org', name: 'Eva', password: `${PASSWORD}!` }))
      .body;
    const before = outbox(idp.dataDir).length;
    const invited = (await call('POST', '/tenants/exported/accounts', { email: 'ivo@exported.org', invite: true })).body;
    const linkToken = new URL(
      linkIn((await waitForOutbox(idp.dataDir, before + 1)).find((m) => m.includes('ivo@exported.org'))!),
    ).searchParams.get('token')!;
    await call('POST', '/tenants/other/accounts', { email: 'olle@other.org', password: PASSWORD });
    const connection = (
      await call('POST', '/tenants/exported/connections', {
        kind: 'oidc',
        name: 'Upstream',
        issuer: 'https://upstream.example',
        clientId: 'idp',
        clientSecret: UPSTREAM_SECRET,
      })
    ).body;
    const app = (await call('POST', '/clients', { name: 'Exported app', redirectUris: ['https://app.example/cb'], tenants: [tenant.id] }))
      .body;
    await call('POST', '/clients', { name: 'Unrelated app', redirectUris: ['https://other.example/cb'] });
    const ownApi = (
      await call('POST', '/apis', { identifier: 'https://api.exported.example', scopes: ['orders:read'], tenant: 'exported' })
    ).body;
    await call('POST', '/apis', { identifier: 'https://api.shared.example', scopes: ['orders:read'] });
    // A second factor with recovery codes.
    const account = await idp.services.accounts.get(tenant.id, person.id);
    const enrolment = await idp.services.mfa.beginEnrolment(account, idp.settings.issuer);
    const seed = enrolment.groupedKey.replace(/\s/g, '');
    const confirmed = await idp.services.mfa.confirmEnrolment(account.id, enrolment.sealedSecret, codeFor(seed));
    if (!confirmed.ok) throw new Error(confirmed.reason);
    const stored = (await idp.storage.accounts.findById(person.id))!;
    const storedConnection = (await idp.storage.connections.findById(connection.id))! as OidcConnection;
    const storedClient = (await idp.storage.clients.findById(app.client.id))!;

    const response = await fetch(`${idp.url}/admin/v1/tenants/exported/export`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/jsonl');
    const text = await response.text();
    const lines = text
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Line);
    const of = (type: string) => lines.filter((l) => l.type === type).map((l) => l.data);

    expect(lines[0]).toMatchObject({ type: 'export', data: { format: 'idp-tenant-export/1', tenantId: tenant.id } });
    expect(of('tenant')).toEqual([
      expect.objectContaining({
        id: tenant.id,
        slug: 'exported',
        domains: ['exported.example'],
        state: 'active',
        policy: expect.objectContaining({ password: expect.objectContaining({ minLength: 10 }) }),
      }),
    ]);
    const accounts = of('account');
    expect(accounts.map((a) => a.email).sort()).toEqual(['eva@exported.org', 'ivo@exported.org']);
    expect(accounts.find((a) => a.id === person.id)).toMatchObject({
      name: 'Eva',
      hasPassword: true,
      mfaEnabled: true,
      recoveryCodesLeft: 10,
      identities: [],
    });
    expect(accounts.find((a) => a.id === invited.id)).toMatchObject({ state: 'invited', hasPassword: false });
    for (const a of accounts) expect(Object.keys(a)).not.toEqual(expect.arrayContaining(['passwordHash']));
    expect(of('connection')).toEqual([
      expect.objectContaining({ id: connection.id, kind: 'oidc', issuer: 'https://upstream.example', hasClientSecret: true }),
    ]);
    expect(of('client').map((c) => c.id)).toEqual([app.client.id]);
    expect(of('api')).toEqual([
      expect.objectContaining({ id: ownApi.id, identifier: 'https://api.exported.example', tenantId: tenant.id }),
    ]);
    const events = of('audit_event');
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events.map((e) => e.action)).toEqual(
      expect.arrayContaining(['admin.tenant.create', 'admin.account.create', 'admin.connection.create', 'admin.tenant.export']),
    );
    for (const e of events) expect(e.hash).toBe(hashOf(e as never));
    expect(lines[lines.length - 1]).toEqual({
      type: 'end',
      data: { counts: { account: 2, connection: 1, client: 1, api: 1, audit_event: events.length } },
    });
    expect(text).not.toContain('olle@other.org');

    const secrets = {
      password: `${PASSWORD}!`,
      passwordHash: stored.passwordHash!,
      seed,
      sealedSeed: stored.totp!.sealedSecret,
      ...Object.fromEntries(confirmed.recoveryCodes.map((c, i) => [`recoveryCode${i}`, c])),
      ...Object.fromEntries(stored.recoveryCodeHashes.map((h, i) => [`recoveryHash${i}`, h])),
      linkToken,
      upstreamSecret: UPSTREAM_SECRET,
      sealedUpstreamSecret: storedConnection.sealedClientSecret,
      clientSecret: app.secret,
      clientSecretHash: storedClient.secretHash!,
    };
    for (const [name, value] of Object.entries(secrets)) {
      expect({ name, found: text.includes(value) }).toEqual({ name, found: false });
    }

    const { code, stdout: stdout } = await runIdp(['tenant', 'export', '--tenant', 'exported'], {
      DATA_DIR: idp.dataDir,
      KEYS_DIR: idp.keysDir,
    });
    expect(code).toBe(0);
    // The trail itself holds none of them either (R10: never a password, code, token, secret or hash).
    const trail: string[] = [];
    for await (const event of idp.services.audit.stream({})) trail.push(JSON.stringify(event));
    expect(trail.length).toBeGreaterThan(5);
    for (const [name, value] of Object.entries(secrets)) {
      expect({ name, found: trail.some((e) => e.includes(value)) }).toEqual({ name, found: false });
    }
    const cliLines = stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Line);
    expect(cliLines.filter((l) => l.type === 'account')).toEqual(lines.filter((l) => l.type === 'account'));
    for (const value of Object.values(secrets)) expect(stdout.includes(value)).toBe(false);
  });

  test('the API filters and pages the trail, exports it as JSON Lines, and verify answers valid:false naming an edited event', async () => {
    await call('POST', '/tenants', { slug: 'checked', name: 'Checked AB' });
    for (let i = 0; i < 3; i += 1) await call('POST', '/tenants/checked/accounts', { email: `p${i}@checked.org`, password: PASSWORD });
    const page1 = await call('GET', '/audit-events?tenant=checked&action=admin.account.create&limit=2');
    expect(page1.body.items).toHaveLength(2);
    const page2 = await call('GET', `/audit-events?tenant=checked&action=admin.account.create&limit=2&before=${page1.body.next}`);
    expect(page2.body.items).toHaveLength(1);
    expect(page2.body.items[0].seq).toBeLessThan(page1.body.items[1].seq);
    const target = page2.body.items[0].target.id;
    expect(
      (await call('GET', `/audit-events?tenant=checked&target=${target}`)).body.items.map((e: { action: string }) => e.action),
    ).toEqual(['admin.account.create']);
    expect((await call('GET', '/audit-events?tenant=checked&outcome=failure')).body.items).toEqual([]);
    expect((await call('GET', '/audit-events?tenant=checked&since=2999-01-01T00:00:00Z')).body.items).toEqual([]);
    expect((await call('GET', '/audit-events?tenant=checked&since=yesterday')).status).toBe(400);
    const exported = await fetch(`${idp.url}/admin/v1/audit-events/export?tenant=checked`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const lines = (await exported.text())
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { seq: number });
    expect(lines.map((e) => e.seq)).toEqual([4, 3, 2, 1]);

    expect((await call('GET', '/audit-events/verify?tenant=checked')).body).toMatchObject({
      valid: true,
      chains: [{ valid: true, events: 4 }],
    });
    const tenantId = (await call('GET', '/tenants/checked')).body.id;
    const db = new DatabaseSync(path.join(idp.dataDir, SQLITE_FILE_NAME));
    db.prepare("UPDATE audit_events SET doc = json_set(doc, '$.actor.id', 'someone-else') WHERE chain = ? AND seq = 2").run(tenantId);
    db.close();
    const broken = await call('GET', '/audit-events/verify?tenant=checked');
    expect(broken.status).toBe(200);
    expect(broken.body).toMatchObject({ valid: false, chains: [{ valid: false, broken: { seq: 2, kind: 'edited' } }] });
  });

  test('an unknown tenant is a 404 problem before any output', async () => {
    const response = await call('GET', '/tenants/nobody/export');
    expect(response.status).toBe(404);
  });
});
