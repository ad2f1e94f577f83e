import { startIdp, type TestIdp } from '../support/server.js';
import { consoleSignIn } from '../support/console-sign-in.js';
import { customerAdmin, roleClient, staffMember } from '../support/staff.js';
import { AdminRoutes, type RouteSpec } from '../../src/admin/route.js';
import { registerResources } from '../../src/admin/resources/index.js';
import { adminOperations } from '../../src/operations/index.js';
import { PERMISSIONS, ROLE_PERMISSIONS, type Permission } from '../../src/roles/permissions.js';
import type { RoleName } from '../../src/roles/types.js';
import { newId } from '../../src/ids.js';

interface Caller {
  name: string;
  role: RoleName;
  /** The tenant the role covers: A, B, or every tenant. */
  covers: 'A' | 'B' | 'all';
  token: string;
  actorId: string;
}

/** What the declared table says, read independently of the guard: may this role call an endpoint needing `permission` on tenant A? */
function expectedAllowed(caller: Caller, permission: Permission): boolean {
  if (!ROLE_PERMISSIONS[caller.role].includes(permission)) return false;
  if (permission === 'self.read' || permission === 'tenants.list') return true;
  if (caller.covers === 'all') return true;
  return PERMISSIONS[permission].scope === 'tenant' && caller.covers === 'A';
}

/**
 * Every registered admin endpoint, called as every role (admin clients and people signed in to
 * the console), against tenant A: allowed exactly where the declared permission says, otherwise
 * 403 problem+json and an `admin.denied` event naming the endpoint and the caller. Iterating the
 * registered RouteSpecs means a new endpoint is in the matrix by itself.
 */
describe('admin API permissions', () => {
  let idp: TestIdp;
  let specs: readonly RouteSpec[];
  const callers: Caller[] = [];

  beforeAll(async () => {
    idp = await startIdp({ LOGIN_RATE_LIMIT: '10000' });
    const routes = new AdminRoutes(1024);
    registerResources(routes, idp.services, adminOperations(idp.services));
    specs = routes.list();
    const a = await idp.services.tenants.create({ slug: 'alpha', name: 'Alpha AB', domains: [] });
    const b = await idp.services.tenants.create({ slug: 'beta', name: 'Beta AB', domains: [] });
    const tenantOf = { A: a.id, B: b.id };
    const clientRoles: [RoleName, 'A' | 'B' | 'all'][] = [
      ['super-admin', 'all'],
      ['tenant-admin', 'A'],
      ['tenant-admin', 'B'],
      ['helpdesk', 'A'],
      ['auditor', 'all'],
      ['auditor', 'A'],
    ];
    for (const [role, covers] of clientRoles) {
      const { token, clientId } = await roleClient(idp, role, covers === 'all' ? undefined : [tenantOf[covers]]);
      callers.push({ name: `admin client ${role} of ${covers}`, role, covers, token, actorId: clientId });
    }
    const people: [string, RoleName, 'A' | 'B' | 'all'][] = [
      ['super@operators.example', 'super-admin', 'all'],
      ['admin@alpha.example', 'tenant-admin', 'A'],
      ['admin@beta.example', 'tenant-admin', 'B'],
      ['helpdesk@alpha.example', 'helpdesk', 'A'],
      ['auditor@operators.example', 'auditor', 'all'],
    ];
    for (const [email, role, covers] of people) {
      const person =
        covers === 'all'
          ? await staffMember(idp, email, [{ role }])
          : await customerAdmin(idp, tenantOf[covers], email, [{ role, tenant: tenantOf[covers] }]);
      const { accessToken } = await consoleSignIn(idp.url, person);
      callers.push({ name: `person ${role} of ${covers}`, role, covers, token: accessToken, actorId: person.accountId });
    }
  }, 60_000);
  afterAll(() => idp.stop());

  /** A request that passes the guard harmlessly when allowed: unknown ids, a body and query the schema refuses. */
  async function call(caller: Caller, spec: RouteSpec) {
    const path = spec.path.replace(':tenant', 'alpha').replace(/:id\b/, newId());
    const query = new URLSearchParams();
    if (spec.query?.shape.tenant) query.set('tenant', 'alpha');
    if (spec.operationId === 'deleteTenant') query.set('graceDays', '99999');
    const response = await fetch(`${idp.url}/admin/v1${path}${query.size ? `?${query.toString()}` : ''}`, {
      method: spec.method.toUpperCase(),
      headers: { authorization: `Bearer ${caller.token}`, ...(spec.body ? { 'content-type': 'application/json' } : {}) },
      body: spec.body ? JSON.stringify({ notAField: true }) : undefined,
    });
    const text = await response.text();
    return { status: response.status, type: response.headers.get('content-type') ?? '', text };
  }

  test('the matrix covers every registered endpoint, and each declares a permission the catalogue knows', () => {
    expect(specs.length).toBeGreaterThan(35);
    for (const spec of specs) expect(Object.keys(PERMISSIONS)).toContain(spec.permission);
    expect(callers).toHaveLength(11);
  });

  test('every endpoint as every role: allowed where the declared permission says, else 403 and audited', async () => {
    const outcomes: string[] = [];
    const wrong: string[] = [];
    for (const spec of specs) {
      for (const caller of callers) {
        const before = await idp.services.audit.list({ action: 'admin.denied', limit: 1 });
        const answer = await call(caller, spec);
        const allowed = expectedAllowed(caller, spec.permission);
        const label = `${spec.method.toUpperCase()} ${spec.path} (${spec.permission}) as ${caller.name}: ${answer.status}`;
        outcomes.push(label);
        if (allowed && (answer.status === 403 || answer.status === 401)) wrong.push(`${label}, expected allowed: ${answer.text}`);
        if (!allowed) {
          if (answer.status !== 403 || !answer.type.includes('application/problem+json')) {
            wrong.push(`${label}, expected 403 problem+json`);
            continue;
          }
          const [denied] = await idp.services.audit.list({ action: 'admin.denied', limit: 1 });
          if (!denied || denied.id === before[0]?.id) wrong.push(`${label}: no admin.denied event`);
          else if (denied.actor.id !== caller.actorId || denied.details?.operationId !== spec.operationId)
            wrong.push(`${label}: admin.denied names ${JSON.stringify(denied.actor)} ${String(denied.details?.operationId)}`);
        }
      }
    }
    expect(wrong).toEqual([]);
    expect(outcomes.length).toBe(specs.length * callers.length);
  }, 120_000);

  test('the table itself: what each role may and may not do, spelled out', () => {
    const can = (role: RoleName, permission: Permission) => ROLE_PERMISSIONS[role].includes(permission);
    expect(can('helpdesk', 'tenant.accounts.support')).toBe(true);
    expect(can('helpdesk', 'tenant.policy.write')).toBe(false);
    expect(can('helpdesk', 'tenant.connections.write')).toBe(false);
    expect(can('tenant-admin', 'tenant.policy.write')).toBe(true);
    expect(can('tenant-admin', 'tenant.connections.write')).toBe(true);
    expect(can('tenant-admin', 'clients.read')).toBe(false);
    expect(can('tenant-admin', 'keys.rotate')).toBe(false);
    expect(can('tenant-admin', 'tenant.lifecycle')).toBe(false);
    expect(can('auditor', 'tenant.audit.read')).toBe(true);
    expect(can('auditor', 'tenant.accounts.write')).toBe(false);
    expect(can('auditor', 'tenant.accounts.read')).toBe(false);
    expect(can('super-admin', 'support_grants.write')).toBe(true);
    expect(can('tenant-admin', 'support_grants.write')).toBe(false);
  });

  test("a tenant-scoped caller must name its tenant to read the audit trail, and never sees the operators' chain", async () => {
    const tenantAdmin = callers.find((c) => c.name === 'admin client tenant-admin of A')!;
    const all = await fetch(`${idp.url}/admin/v1/audit-events`, { headers: { authorization: `Bearer ${tenantAdmin.token}` } });
    expect(all.status).toBe(403);
    const own = await fetch(`${idp.url}/admin/v1/audit-events?tenant=alpha`, { headers: { authorization: `Bearer ${tenantAdmin.token}` } });
    expect(own.status).toBe(200);
    const { items } = (await own.json()) as { items: { tenantId: string | null }[] };
    expect(items.length).toBeGreaterThan(0);
    expect(new Set(items.map((e) => e.tenantId))).toEqual(new Set([(await idp.services.tenants.get('alpha')).id]));
  });

  test('a tenant-admin grants roles of its own tenant to its own accounts, never super-admin or another tenant', async () => {
    const alpha = await idp.services.tenants.get('alpha');
    const person = await idp.services.accounts.create(alpha.id, { email: 'new-helper@alpha.example' });
    const tenantAdmin = callers.find((c) => c.name === 'person tenant-admin of A')!;
    const put = (roles: unknown) =>
      fetch(`${idp.url}/admin/v1/tenants/alpha/accounts/${person.id}/roles`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${tenantAdmin.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ roles }),
      });
    const granted = await put([{ role: 'helpdesk', tenant: 'alpha' }]);
    expect(granted.status).toBe(200);
    expect(await idp.services.roles.rolesOf(person.id)).toEqual([{ role: 'helpdesk', tenantId: alpha.id }]);
    const [event] = await idp.services.audit.list({ action: 'admin.account.roles_update', limit: 1 });
    expect(event).toMatchObject({
      tenantId: alpha.id,
      actor: { id: tenantAdmin.actorId },
      details: expect.objectContaining({ added: [{ role: 'helpdesk', tenantId: alpha.id }] }),
    });

    const holders = await fetch(`${idp.url}/admin/v1/tenants/alpha/roles`, { headers: { authorization: `Bearer ${tenantAdmin.token}` } });
    const { items } = (await holders.json()) as { items: { accountId: string; role: string }[] };
    expect(items).toEqual(expect.arrayContaining([expect.objectContaining({ accountId: person.id, role: 'helpdesk' })]));

    const superAdmin = await put([{ role: 'super-admin' }]);
    expect(superAdmin.status).toBe(400);
    const otherTenant = await put([{ role: 'tenant-admin', tenant: 'beta' }]);
    expect(otherTenant.status).toBe(400);
    expect(await idp.services.roles.rolesOf(person.id)).toEqual([{ role: 'helpdesk', tenantId: alpha.id }]);
  });

  test("helpdesk supports people, but not an account holding roles it could not grant (a tenant-admin's factor stays)", async () => {
    const alpha = await idp.services.tenants.get('alpha');
    const helpdesk = callers.find((c) => c.name === 'admin client helpdesk of A')!;
    const tenantAdmin = (await idp.services.accounts.getByEmail(alpha.id, 'admin@alpha.example'))!;
    const plain = await idp.services.accounts.create(alpha.id, { email: 'plain@alpha.example' });
    const reset = (id: string) =>
      fetch(`${idp.url}/admin/v1/tenants/alpha/accounts/${id}/mfa`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${helpdesk.token}` },
      });
    expect((await reset(plain.id)).status).toBe(200);
    const refused = await reset(tenantAdmin.id);
    expect(refused.status).toBe(403);
    const [event] = await idp.services.audit.list({ action: 'admin.denied', limit: 1 });
    expect(event).toMatchObject({ reason: 'account_holds_roles', target: { id: tenantAdmin.id }, actor: { id: helpdesk.actorId } });
    // A tenant-admin of the tenant may.
    const admin = callers.find((c) => c.name === 'admin client tenant-admin of A')!;
    const allowed = await fetch(`${idp.url}/admin/v1/tenants/alpha/accounts/${tenantAdmin.id}/mfa`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${admin.token}` },
    });
    expect(allowed.status).toBe(200);
  });

  test('the OpenAPI document names each endpoint’s permission (x-permission) and says it in words', async () => {
    const document = (await (await fetch(`${idp.url}/admin/v1/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { 'x-permission': string; description: string }>>;
    };
    for (const spec of specs) {
      const operation = document.paths[spec.path.replace(/:(\w+)/g, '{$1}')]![spec.method]!;
      expect(operation['x-permission']).toBe(spec.permission);
      expect(operation.description).toContain(`Permission \`${spec.permission}\``);
    }
  });
});
