import { DatabaseSync } from 'node:sqlite';
import path from 'node:path';
import * as oidc from 'openid-client';
import { startIdp, type TestIdp } from '../support/server.js';
import { FormClient, codeFlowTokens, signIn } from '../support/form-client.js';
import { adminToken, api } from '../support/admin-client.js';
import { PASSWORD } from '../support/fixtures.js';
import { outbox, waitForOutbox } from '../support/outbox.js';
import { linkIn } from '../support/smtp.js';
import { runIdp } from '../support/cli.js';
import { SQLITE_FILE_NAME } from '../../src/storage/open.js';
import { ANY_AUDIENCE } from '../../src/accounts/sign-in-eligibility.js';

const REDIRECT_URI = 'http://localhost:8123/callback';
const DAY_MS = 24 * 60 * 60 * 1000;
const UPSTREAM_SECRET = 'upstream-client-secret-known-to-the-test';

/** Every row of every table, as text, that mentions one of the ids. */
function rowsMentioning(file: string, ids: string[]): { table: string; row: string }[] {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    const tables = (
      db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as { name: string }[]
    ).map((t) => t.name);
    const found: { table: string; row: string }[] = [];
    for (const table of tables) {
      for (const row of db.prepare(`SELECT * FROM "${table}"`).all()) {
        const text = JSON.stringify(row);
        if (ids.some((id) => text.includes(id))) found.push({ table, row: text });
      }
    }
    return found;
  } finally {
    db.close();
  }
}

describe("a tenant's deletion is scheduled, can be restored within its grace period, then is purged everywhere", () => {
  let idp: TestIdp;
  let call: ReturnType<typeof api>;
  let config: oidc.Configuration;
  let offsetMs = 0;
  const clock = () => new Date(Date.now() + offsetMs);

  beforeAll(async () => {
    idp = await startIdp({ LOGIN_RATE_LIMIT: '10000' }, undefined, { clock });
    call = api(idp.url, (await adminToken(idp)).token);
    const app = (await call('POST', '/clients', { name: 'Portal', redirectUris: [REDIRECT_URI], firstParty: true })).body;
    config = await oidc.discovery(new URL(idp.url), app.client.id, app.secret, undefined, { execute: [oidc.allowInsecureRequests] });
  });
  afterAll(() => idp.stop());

  const authorizationUrl = () =>
    oidc
      .buildAuthorizationUrl(config, {
        redirect_uri: REDIRECT_URI,
        scope: 'openid offline_access',
        prompt: 'consent',
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        code_challenge_method: 'S256',
      })
      .toString();

  async function signsIn(email: string): Promise<boolean> {
    try {
      return /code=/.test(await signIn(new FormClient(idp.url), authorizationUrl(), email, PASSWORD));
    } catch {
      return false;
    }
  }

  async function cli(args: string[]) {
    return runIdp(args, { DATA_DIR: idp.dataDir, KEYS_DIR: idp.keysDir, BCRYPT_COST: '4' });
  }

  async function setUp(slug: string) {
    const tenant = (await call('POST', '/tenants', { slug, name: `${slug} AB`, domains: [`${slug}.example`] })).body;
    const person = (await call('POST', `/tenants/${slug}/accounts`, { email: `lea@${slug}.org`, password: PASSWORD })).body;
    const before = outbox(idp.dataDir).length;
    const invited = (await call('POST', `/tenants/${slug}/accounts`, { email: `ivan@${slug}.org`, invite: true })).body;
    const link = linkIn((await waitForOutbox(idp.dataDir, before + 1)).find((m) => m.includes(`ivan@${slug}.org`))!);
    const connection = (
      await call('POST', `/tenants/${slug}/connections`, {
        kind: 'oidc',
        name: 'Upstream',
        issuer: 'https://upstream.example',
        clientId: 'idp',
        clientSecret: UPSTREAM_SECRET,
      })
    ).body;
    expect(connection.id).toBeDefined();
    return { tenant, person, invited, link };
  }

  const linkWorks = async (link: string) => (await new FormClient(idp.url).follow(link)).html.includes('name="newPassword"');
  const federationRoutes = async (email: string) => (await idp.services.homeRealm.forEmail(email, null)) !== null;

  test('schedule: sign-in, refresh token, e-mailed link and federation are all refused at once; restore: all work again', async () => {
    const { person, link } = await setUp('leaving');
    expect(await signsIn('lea@leaving.org')).toBe(true);
    expect(await linkWorks(link)).toBe(true);
    expect(await federationRoutes('someone@leaving.example')).toBe(true);

    const scheduled = await call('DELETE', '/tenants/leaving?graceDays=10');
    expect(scheduled.status).toBe(200);
    expect(scheduled.body).toMatchObject({ state: 'scheduled_for_deletion' });
    expect(Math.abs(Date.parse(scheduled.body.purgeAfter) - (clock().getTime() + 10 * DAY_MS))).toBeLessThan(60_000);

    expect(await signsIn('lea@leaving.org')).toBe(false);
    expect(await linkWorks(link)).toBe(false);
    expect(await federationRoutes('someone@leaving.example')).toBe(false);
    expect((await idp.services.eligibility.check(person.id, ANY_AUDIENCE, 'federation')).ok).toBe(false);
    // Administrators can still read it; a second delete, or a change, is refused with a clear message.
    expect((await call('GET', '/tenants/leaving')).body.state).toBe('scheduled_for_deletion');
    const again = await call('DELETE', '/tenants/leaving');
    expect(again.status).toBe(409);
    expect(again.body.detail).toContain('already scheduled for deletion');
    expect((await call('PATCH', '/tenants/leaving', { name: 'Changed' })).status).toBe(409);

    const restored = await call('POST', '/tenants/leaving/restore');
    expect(restored.status).toBe(200);
    expect(restored.body).toMatchObject({ state: 'active', purgeAfter: null, name: 'leaving AB', domains: ['leaving.example'] });
    expect(await signsIn('lea@leaving.org')).toBe(true);
    expect(await linkWorks(link)).toBe(true);
    expect(await federationRoutes('someone@leaving.example')).toBe(true);
    expect((await call('POST', '/tenants/leaving/restore')).status).toBe(409);
    const actions = (await call('GET', '/audit-events?tenant=leaving&limit=20')).body.items.map((e: { action: string }) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['admin.tenant.restore', 'admin.tenant.delete']));
  });

  test('a refresh token issued before the deletion is refused after it', async () => {
    await call('POST', '/tenants', { slug: 'tokens', name: 'Tokens AB' });
    await call('POST', '/tenants/tokens/accounts', { email: 'tor@tokens.org', password: PASSWORD });
    const login = { email: 'tor@tokens.org', password: PASSWORD };
    const tokens = await codeFlowTokens(config, new FormClient(idp.url), login, { redirectUri: REDIRECT_URI });
    expect(tokens.refresh_token).toBeDefined();
    expect((await call('DELETE', '/tenants/tokens')).status).toBe(200);
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  test('two deletions of one tenant at the same instant: exactly one wins, the other is told so', async () => {
    await call('POST', '/tenants', { slug: 'racing', name: 'Racing AB' });
    const answers = await Promise.all([call('DELETE', '/tenants/racing?graceDays=5'), call('DELETE', '/tenants/racing?graceDays=20')]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
    const winner = answers.find((a) => a.status === 200)!;
    expect((await call('GET', '/tenants/racing')).body.purgeAfter).toBe(winner.body.purgeAfter);
    expect((await call('POST', '/tenants/racing/restore')).status).toBe(200);
  });

  test('bad input: grace out of range, unknown tenant; nothing changes', async () => {
    await call('POST', '/tenants', { slug: 'careful', name: 'Careful AB' });
    const tooLong = await call('DELETE', '/tenants/careful?graceDays=181');
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.problems).toEqual([expect.objectContaining({ field: 'graceDays' })]);
    expect((await call('DELETE', '/tenants/careful?graceDays=-1')).status).toBe(400);
    expect((await call('GET', '/tenants/careful')).body.state).toBe('active');
    expect((await call('DELETE', '/tenants/nobody')).status).toBe(404);
    expect((await call('POST', '/tenants/nobody/restore')).status).toBe(404);
    const cli181 = await cli(['tenant', 'delete', '--tenant', 'careful', '--grace-days', '181', '--yes']);
    expect(cli181.code).toBe(1);
    expect(cli181.stderr).toContain('graceDays');
    expect((await cli(['tenant', 'delete', '--tenant', 'careful'])).code).toBe(2);
    expect((await call('GET', '/tenants/careful')).body.state).toBe('active');
  });

  test("purge after the grace period (clock moved forward): no row anywhere names the tenant or its accounts; others untouched; the operators' chain records it and stays valid", async () => {
    const { tenant, person, invited } = await setUp('gone');
    const staying = await setUp('staying');
    // A client limited to the leaving tenant goes with it; one shared with another tenant only loses it.
    const own = (await call('POST', '/clients', { name: 'Gone app', redirectUris: [REDIRECT_URI], tenants: [tenant.id] })).body.client;
    const shared = (
      await call('POST', '/clients', { name: 'Shared', redirectUris: [REDIRECT_URI], tenants: [tenant.id, staying.tenant.id] })
    ).body.client;
    // Its API goes too; an API of every tenant stays.
    const ownApi = (await call('POST', '/apis', { identifier: 'https://api.gone.example', scopes: ['a:read'], tenant: 'gone' })).body;
    const sharedApi = (await call('POST', '/apis', { identifier: 'https://api.everyone.example', scopes: ['a:read'] })).body;
    expect(await signsIn('lea@gone.org')).toBe(true);
    // Rate-limit counters per account exist (the invitation counted one).
    const file = path.join(idp.dataDir, SQLITE_FILE_NAME);
    expect(rowsMentioning(file, [invited.id]).some((r) => r.table === 'rate_limits')).toBe(true);

    expect((await call('DELETE', '/tenants/gone')).status).toBe(200);
    // Not yet due: neither the job nor `idp purge --due` touches it.
    expect(await idp.services.tenantPurge.purgeDue()).toEqual([]);
    const early = await cli(['purge', '--due', '--json']);
    expect(JSON.parse(early.stdout)).toEqual({ purged: [] });
    expect((await call('GET', '/tenants/gone')).status).toBe(200);

    offsetMs = 31 * DAY_MS;
    try {
      const results = await idp.services.tenantPurge.purgeDue();
      // Due by now: this tenant and the one deleted (30 days' grace) in the refresh-token test; no active one.
      expect(results.map((r) => r.slug).sort()).toEqual(['gone', 'tokens']);
      expect(results.find((r) => r.slug === 'gone')).toMatchObject({
        tenantId: tenant.id,
        slug: 'gone',
        counts: { accounts: 2, connections: 1, clients: 2, apis: 1 },
      });
    } finally {
      offsetMs = 0;
    }
    expect(result0(await idp.services.tenantPurge.purgeDue())).toBe(0);

    // No row anywhere carries its accounts' ids; the tenant's id survives only in the operators' chain,
    // which cannot lose an event without breaking (the purge event, and client changes that named the tenant).
    expect(rowsMentioning(file, [person.id, invited.id])).toEqual([]);
    const naming = rowsMentioning(file, [tenant.id]);
    expect(naming.filter((r) => !(r.table === 'audit_events' && r.row.includes('"chain":""')))).toEqual([]);
    expect(naming.map((r) => JSON.parse(JSON.parse(r.row).doc).action).sort()).toEqual([
      'admin.client.create',
      'admin.client.create',
      'tenant.purged',
    ]);
    expect(outbox(idp.dataDir).filter((m) => m.includes('@gone.org'))).toEqual([]);
    expect(outbox(idp.dataDir).some((m) => m.includes('ivan@staying.org'))).toBe(true);
    expect((await call('GET', '/tenants/gone')).status).toBe(404);
    expect(await idp.storage.clients.findById(own.id)).toBeNull();
    expect((await idp.storage.clients.findById(shared.id))!.tenantIds).toEqual([staying.tenant.id]);
    expect(await idp.storage.apis.findById(ownApi.id)).toBeNull();
    expect(await idp.storage.apis.findById(sharedApi.id)).not.toBeNull();

    // The other tenant is untouched and still signs in.
    expect((await call('GET', '/tenants/staying')).body.state).toBe('active');
    expect((await call('GET', '/tenants/staying/connections')).body.items).toHaveLength(1);
    expect(await signsIn('lea@staying.org')).toBe(true);

    const [purged] = await idp.services.audit.list({ action: 'tenant.purged', targetId: tenant.id, limit: 5 });
    expect(purged).toMatchObject({
      tenantId: null,
      target: { type: 'tenant', id: tenant.id },
      details: { slug: 'gone', removed: { accounts: 2 } },
    });
    const verified = await cli(['audit', 'verify', '--json']);
    expect(verified.code).toBe(0);
    expect(JSON.parse(verified.stdout).chains.find((c: { chain: string }) => c.chain === '')).toMatchObject({ valid: true, broken: null });

    const late = await call('POST', '/tenants/gone/restore');
    expect(late.status).toBe(404);
    expect(late.body.detail).toContain('was purged');
  });

  test('idp tenant delete --now --yes purges at once; a second attempt says the tenant is gone', async () => {
    const { tenant, person } = await setUp('urgent');
    const now = await cli(['tenant', 'delete', '--tenant', 'urgent', '--now', '--yes', '--json']);
    expect(now.code).toBe(0);
    expect(JSON.parse(now.stdout)).toMatchObject({ slug: 'urgent', counts: { accounts: 2, connections: 1 } });
    expect(rowsMentioning(path.join(idp.dataDir, SQLITE_FILE_NAME), [person.id])).toEqual([]);
    expect(
      rowsMentioning(path.join(idp.dataDir, SQLITE_FILE_NAME), [tenant.id])
        .map((r) => JSON.parse(JSON.parse(r.row).doc).action)
        .sort(),
    ).toEqual(['admin.tenant.purge_now', 'tenant.purged']);
    const again = await cli(['tenant', 'delete', '--tenant', 'urgent', '--now', '--yes']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('tenant not found');
    const restore = await cli(['tenant', 'restore', '--tenant', 'urgent']);
    expect(restore.code).toBe(1);
    expect(restore.stderr).toContain('was purged');
  });
});

function result0(results: unknown[]): number {
  return results.length;
}
