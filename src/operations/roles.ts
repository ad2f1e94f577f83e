import { DomainError } from '../errors.js';
import type { RoleSetInput, SupportGrantCreateInput } from '../roles/schema.js';
import type { RoleGrant, SupportGrant } from '../roles/types.js';
import type { Services } from '../services.js';
import { recordAdmin, type Caller } from './caller.js';

const key = (g: RoleGrant) => `${g.role}/${g.tenantId ?? ''}`;
const actorRef = (caller: Caller) => `${caller.actor.type}:${caller.actor.id ?? ''}`;

/** Granting and revoking roles, and support access, each with its audit entry (R12). */
export function roleOperations(services: Services) {
  const record = recordAdmin(services);

  async function inTenant(tenantRef: string, accountId: string) {
    const tenant = await services.tenants.get(tenantRef);
    return { tenant, account: await services.accounts.get(tenant.id, accountId) };
  }

  /** A role naming a tenant is handed out by whoever may manage that tenant's roles; others only by super-admins. */
  async function assertMayChange(caller: Caller, tenantId: string, accountId: string, changed: RoleGrant[]): Promise<void> {
    if (!caller.authority) return;
    const refused = changed.filter((g) =>
      g.tenantId === null ? !caller.authority!.allows('roles.write') : !caller.authority!.allows('tenant.roles.write', g.tenantId),
    );
    if (refused.length === 0) return;
    await services.audit.record({
      tenantId,
      actor: caller.actor,
      action: 'admin.denied',
      target: { type: 'account', id: accountId },
      outcome: 'failure',
      reason: 'role_not_grantable',
      origin: caller.origin,
      details: { refused },
    });
    throw new DomainError('forbidden', `the caller may not grant or revoke: ${refused.map(key).join(', ')}`);
  }

  return {
    async get(tenantRef: string, accountId: string): Promise<RoleGrant[]> {
      const { account } = await inTenant(tenantRef, accountId);
      return services.roles.rolesOf(account.id);
    },

    /** Replaces the account's roles with `input.roles`; every role added or taken away must be the caller's to give. */
    async set(caller: Caller, tenantRef: string, accountId: string, input: RoleSetInput): Promise<RoleGrant[]> {
      const { tenant, account } = await inTenant(tenantRef, accountId);
      const wanted = await services.roles.prepare(account, input);
      const current = await services.roles.rolesOf(account.id);
      const added = wanted.filter((g) => !current.some((c) => key(c) === key(g)));
      const removed = current.filter((c) => !wanted.some((g) => key(g) === key(c)));
      await assertMayChange(caller, tenant.id, account.id, [...added, ...removed]);
      const { before, after } = await services.roles.replace(account, wanted);
      const target = { type: 'account', id: account.id };
      await record(caller, 'account.roles_update', target, tenant.id, { before, after, added, removed });
      // A role over another tenant (a staff member's) shows in that tenant's own trail too.
      for (const [change, grants] of [
        ['role_granted', added],
        ['role_revoked', removed],
      ] as const) {
        for (const grant of grants.filter((g) => g.tenantId !== null && g.tenantId !== tenant.id)) {
          await record(caller, `account.${change}`, target, grant.tenantId, { role: grant.role, accountTenantId: tenant.id });
        }
      }
      return after;
    },

    async listOfTenant(tenantRef: string) {
      const tenant = await services.tenants.get(tenantRef);
      return services.roles.listAssignmentsOfTenant(tenant.id);
    },

    async grantSupport(caller: Caller, tenantRef: string, input: SupportGrantCreateInput): Promise<SupportGrant> {
      const tenant = await services.tenants.get(tenantRef);
      const grant = await services.roles.grantSupport(tenant.id, input, actorRef(caller));
      await record(caller, 'support_grant.create', { type: 'support_grant', id: grant.id }, tenant.id, { grant });
      return grant;
    },

    async listSupportGrants(tenantRef: string) {
      const tenant = await services.tenants.get(tenantRef);
      return (await services.roles.listGrants(tenant.id)).map((grant) => ({ ...grant, live: services.roles.isLive(grant) }));
    },

    async endSupport(caller: Caller, tenantRef: string, grantId: string): Promise<SupportGrant> {
      const tenant = await services.tenants.get(tenantRef);
      const grant = await services.roles.endGrant(tenant.id, grantId, actorRef(caller));
      await record(caller, 'support_grant.end', { type: 'support_grant', id: grant.id }, tenant.id, { grant });
      return grant;
    },
  };
}
