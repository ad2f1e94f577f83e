import type { TenantCreateInput, TenantDeleteInput, TenantUpdateInput } from '../tenants/schema.js';
import { PURGE_ACTION } from '../audit/service.js';
import { DomainError } from '../errors.js';
import type { TenantPolicyInput } from '../policy/schema.js';
import type { Services } from '../services.js';
import { recordAdmin, type Caller } from './caller.js';

/** Tenant changes, each with its audit entry. */
export function tenantOperations(services: Services) {
  const record = recordAdmin(services);
  const target = (id: string) => ({ type: 'tenant', id });
  /** The operators' record of this tenant's purge (by id or slug), if it was purged. */
  async function purgeOf(ref: string) {
    for await (const event of services.audit.stream({ action: PURGE_ACTION })) {
      if (event.target?.id === ref || event.details?.slug === ref) return event;
    }
    return null;
  }
  async function scheduleDeletion(caller: Caller, tenantRef: string, input: TenantDeleteInput = {}) {
    const { before, after } = await services.tenants.scheduleDeletion(tenantRef, input);
    await record(caller, 'tenant.delete', target(after.id), after.id, { before, purgeAfter: after.purgeAfter });
    return after;
  }
  return {
    async create(caller: Caller, input: TenantCreateInput) {
      const tenant = await services.tenants.create(input);
      await record(caller, 'tenant.create', target(tenant.id), tenant.id, { after: tenant });
      return tenant;
    },
    async update(caller: Caller, tenantRef: string, input: TenantUpdateInput) {
      const { before, after } = await services.tenants.update(tenantRef, input);
      await record(caller, 'tenant.update', target(after.id), after.id, { before, after });
      return after;
    },
    /** Schedules the deletion (purgeAfter = now + graceDays, default 30); everything of the tenant stops at once. */
    delete: scheduleDeletion,
    /** Cancels a scheduled deletion within its grace period. */
    async restore(caller: Caller, tenantRef: string) {
      let result;
      try {
        result = await services.tenants.restore(tenantRef);
      } catch (error) {
        const purged = error instanceof DomainError && error.code === 'not_found' ? await purgeOf(tenantRef) : null;
        if (purged)
          throw new DomainError('not_found', `the tenant "${tenantRef}" was purged at ${purged.time}; a purged tenant cannot be restored`);
        throw error;
      }
      await record(caller, 'tenant.restore', target(result.after.id), result.after.id, { purgeAfter: result.before.purgeAfter });
      return result.after;
    },
    /** Purges one tenant now, grace period or not (`idp tenant delete --now --yes`). */
    async purgeNow(caller: Caller, tenantRef: string) {
      const current = await services.tenants.get(tenantRef);
      if (current.state === 'active') await scheduleDeletion(caller, current.id, { graceDays: 0 });
      const tenant = await services.tenants.makeDueNow(current.id);
      await record(caller, 'tenant.purge_now', target(tenant.id), null, { slug: tenant.slug });
      const result = await services.tenantPurge.purgeIfClaimed(tenant);
      if (!result)
        throw new DomainError('conflict', `the tenant "${tenant.slug}" is being purged by another process; run again later to see it done`);
      return result;
    },
    /** Purges every tenant whose grace period has passed (`idp purge --due`, and the periodic job). */
    purgeDue: () => services.tenantPurge.purgeDue(),
    async setPolicy(caller: Caller, tenantRef: string, policy: TenantPolicyInput) {
      const { tenant, before, after } = await services.tenants.setPolicy(tenantRef, policy);
      await record(caller, 'tenant.policy_update', target(tenant.id), tenant.id, { before, after });
      return after;
    },
  };
}
