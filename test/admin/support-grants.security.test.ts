import { startIdp, type TestIdp } from '../support/server.js';
import { api } from '../support/admin-client.js';
import { consoleSignIn } from '../support/console-sign-in.js';
import { roleClient, staffMember } from '../support/staff.js';

const HOUR = 3600_000;

/**
 * R12: staff have no standing access to a tenant; a super-admin grants it per case for at most
 * 72 hours, every request under the grant lands in the tenant's own trail naming it, and when it
 * expires (the service's clock, moved forward here) or is ended, access stops at once.
 */
describe('support access grants', () => {
  let idp: TestIdp;
  let offset = 0;
  const clock = () => new Date(Date.now() + offset);
  let superAdmin: ReturnType<typeof api>;
  let acmeAdmin: ReturnType<typeof api>;
  let staff: ReturnType<typeof api>;
  let staffId: string;
  let acmeId: string;

  beforeAll(async () => {
    idp = await startIdp({ LOGIN_RATE_LIMIT: '10000' }, undefined, { clock });
    acmeId = (await idp.services.tenants.create({ slug: 'acme', name: 'Acme AB', domains: [] })).id;
    await idp.services.tenants.create({ slug: 'beta', name: 'Beta AB', domains: [] });
    await idp.services.accounts.create(acmeId, { email: 'ann@acme.example', name: 'Ann Andersson' });
    superAdmin = api(idp.url, (await roleClient(idp, 'super-admin')).token);
    acmeAdmin = api(idp.url, (await roleClient(idp, 'tenant-admin', [acmeId])).token);
    const member = await staffMember(idp, 'support@operators.example', []);
    staffId = member.accountId;
    staff = api(idp.url, (await consoleSignIn(idp.url, member)).accessToken);
  }, 30_000);
  afterAll(() => idp.stop());

  const grant = (expiresInHours: number, overrides: Record<string, unknown> = {}) =>
    superAdmin('POST', '/tenants/acme/support-grants', {
      staffAccountId: staffId,
      reason: 'Customer cannot unlock their administrator',
      caseReference: 'CASE-1234',
      expiresAt: new Date(clock().getTime() + expiresInHours * HOUR).toISOString(),
      ...overrides,
    });

  test('a staff member with no role sees nothing', async () => {
    const answer = await staff('GET', '/tenants/acme/accounts');
    expect(answer.status).toBe(403);
    expect(answer.body.type).toBe('urn:idp:problem:no_role');
  });

  test('grants are refused beyond 72 hours, in the past, to non-staff, by anyone but a super-admin; nothing is stored', async () => {
    expect((await grant(73)).status).toBe(400);
    expect((await grant(-1)).status).toBe(400);
    const customer = (await idp.services.accounts.list(acmeId, { limit: 1 }))[0]!;
    const notStaff = await grant(2, { staffAccountId: customer.id });
    expect(notStaff.status).toBe(400);
    expect(notStaff.body.problems).toEqual([expect.objectContaining({ field: 'staffAccountId', code: 'not_staff' })]);
    const byTenantAdmin = await acmeAdmin('POST', '/tenants/acme/support-grants', {
      staffAccountId: staffId,
      reason: 'x',
      caseReference: 'y',
      expiresAt: new Date(clock().getTime() + HOUR).toISOString(),
    });
    expect(byTenantAdmin.status).toBe(403);
    expect((await superAdmin('GET', '/tenants/acme/support-grants')).body.items).toEqual([]);
  });

  test("under a grant the staff member acts as the tenant's admin, only there, every request in the tenant's trail; expiry ends it", async () => {
    const created = await grant(24);
    expect(created.status).toBe(201);
    const grantId = created.body.id as string;
    expect(created.body).toMatchObject({ tenantId: acmeId, staffAccountId: staffId, caseReference: 'CASE-1234', endedAt: null });

    const tenants = await staff('GET', '/tenants');
    expect(tenants.body.items.map((t: { slug: string }) => t.slug)).toEqual(['acme']);
    expect((await staff('GET', '/tenants/acme/accounts?q=ann')).body.items).toHaveLength(1);
    const policy = (await staff('GET', '/tenants/acme/policy')).body;
    const changed = await staff('PUT', '/tenants/acme/policy', { ...policy, password: { ...policy.password, minLength: 10 } });
    expect(changed.status).toBe(200);
    expect((await staff('GET', '/tenants/beta/accounts')).status).toBe(403);
    expect((await staff('GET', '/clients')).status).toBe(403);
    expect((await staff('POST', '/tenants/acme/support-grants', { staffAccountId: staffId })).status).toBe(403);

    // The tenant's own admin sees the grant and what was done under it.
    const listed = await acmeAdmin('GET', '/tenants/acme/support-grants');
    expect(listed.body.items).toEqual([expect.objectContaining({ id: grantId, live: true })]);
    const trail = await acmeAdmin('GET', `/audit-events?tenant=acme&actor=${staffId}&limit=50`);
    const actions = trail.body.items.map((e: { action: string }) => e.action);
    // The accounts search, the policy read and its change (the tenant list is anyone's, filtered).
    expect(actions.filter((a: string) => a === 'admin.support_access')).toHaveLength(3);
    const policyChange = trail.body.items.find((e: { action: string }) => e.action === 'admin.tenant.policy_update');
    expect(policyChange.details.supportGrantId).toBe(grantId);
    for (const event of trail.body.items.filter((e: { action: string }) => e.action === 'admin.support_access')) {
      expect(event).toMatchObject({ tenantId: acmeId, target: { type: 'support_grant', id: grantId } });
    }

    offset += 24 * HOUR + 60_000;
    const expired = await staff('GET', '/tenants/acme/accounts');
    expect(expired.status).toBe(403);
    expect((await acmeAdmin('GET', '/tenants/acme/support-grants')).body.items[0]).toMatchObject({ id: grantId, live: false });
    // An expired grant cannot be ended: there is nothing left to end.
    expect((await superAdmin('DELETE', `/tenants/acme/support-grants/${grantId}`)).status).toBe(409);
  });

  test('under a grant nothing that would outlast it: no roles handed out, no identity provider changed, no role holder changed', async () => {
    const created = await grant(2);
    expect(created.status).toBe(201);
    const ann = (await staff('GET', '/tenants/acme/accounts?q=ann')).body.items[0];
    const roles = await staff('PUT', `/tenants/acme/accounts/${ann.id}/roles`, { roles: [{ role: 'tenant-admin', tenant: 'acme' }] });
    expect(roles.status).toBe(403);
    const connection = await staff('POST', '/tenants/acme/connections', {
      kind: 'oidc',
      name: 'Mine',
      issuer: 'https://idp.attacker.example',
      clientId: 'c',
      clientSecret: 's',
      firstSignIn: 'link',
    });
    expect(connection.status).toBe(403);
    expect((await staff('GET', '/tenants/acme/connections')).status).toBe(200);
    expect((await superAdmin('GET', `/tenants/acme/accounts/${ann.id}/roles`)).body.roles ?? []).toEqual([]);
    const denials = await superAdmin('GET', `/audit-events?action=admin.denied&actor=${staffId}&limit=10`);
    expect(denials.body.items.length).toBeGreaterThanOrEqual(2);
    expect((await superAdmin('DELETE', `/tenants/acme/support-grants/${created.body.id}`)).status).toBeLessThan(300);
  });

  test('a super-admin ends a grant early: access stops at once, ending again is a conflict', async () => {
    const created = await grant(2);
    expect((await staff('GET', '/tenants/acme/accounts')).status).toBe(200);
    const ended = await superAdmin('DELETE', `/tenants/acme/support-grants/${created.body.id}`);
    expect(ended.status).toBe(200);
    expect(ended.body.endedAt).not.toBeNull();
    expect((await staff('GET', '/tenants/acme/accounts')).status).toBe(403);
    expect((await superAdmin('DELETE', `/tenants/acme/support-grants/${created.body.id}`)).status).toBe(409);
    const [event] = await idp.services.audit.list({ action: 'admin.support_grant.end', limit: 1 });
    expect(event).toMatchObject({ tenantId: acmeId, target: { type: 'support_grant', id: created.body.id } });
  });

  test('of parallel attempts to end one grant exactly one wins', async () => {
    const created = await grant(2);
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => superAdmin('DELETE', `/tenants/acme/support-grants/${created.body.id}`)),
    );
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 409)).toHaveLength(7);
  });
});
