import type { TenantCreateInput, TenantUpdateInput } from '../tenants/schema.js';
import type { TenantPolicyInput } from '../policy/schema.js';
import type { Services } from '../services.js';
import { recordAdmin, type Caller } from './caller.js';

/** Tenant changes, each with its audit entry. */
export function tenantOperations(services: Services) {
  const record = recordAdmin(services);
  const target = (id: string) => ({ type: 'tenant', id });
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
    async delete(caller: Caller, tenantRef: string) {
      const tenant = await services.tenants.delete(tenantRef);
      await record(caller, 'tenant.delete', target(tenant.id), tenant.id, { before: tenant });
      return tenant;
    },
    async setPolicy(caller: Caller, tenantRef: string, policy: TenantPolicyInput) {
      const { tenant, before, after } = await services.tenants.setPolicy(tenantRef, policy);
      await record(caller, 'tenant.policy_update', target(tenant.id), tenant.id, { before, after });
      return after;
    },
  };
}
