import { OPERATORS_TENANT_SLUG } from '../config/defaults.js';
import { DEFAULT_TENANT_POLICY } from '../policy/defaults.js';
import type { Services } from '../services.js';
import { accountOperations } from './accounts.js';
import { roleOperations } from './roles.js';
import { tenantOperations } from './tenants.js';
import type { Caller } from './caller.js';

/**
 * The operators' tenant and its first staff member. Idempotent: run again, it finds what exists,
 * makes the account staff and a super-admin if it is not yet, and mails the invitation again
 * while the account still waits for its password.
 */
export function operatorOperations(services: Services) {
  const tenants = tenantOperations(services);
  const accounts = accountOperations(services);
  const roles = roleOperations(services);
  return {
    async bootstrap(caller: Caller, input: { email: string; name?: string }) {
      let tenant = await services.tenants.findBySlug(OPERATORS_TENANT_SLUG);
      const tenantCreated = tenant === null;
      if (!tenant) tenant = await tenants.create(caller, { slug: OPERATORS_TENANT_SLUG, name: 'Operators', domains: [] });
      // Staff must use two-step verification (R4, R12): the tenant demands it at every sign-in.
      if (!tenant.policy.password.require2fa) {
        await tenants.setPolicy(caller, tenant.id, {
          ...tenant.policy,
          password: { ...DEFAULT_TENANT_POLICY.password, ...tenant.policy.password, require2fa: true },
        });
      }
      let account = await services.accounts.getByEmail(tenant.id, input.email).catch(() => null);
      const accountCreated = account === null;
      if (!account) {
        account = (await accounts.create(caller, tenant.id, { email: input.email, name: input.name, staff: true }, false)).account;
      } else if (!account.staff) {
        account = await accounts.update(caller, tenant.id, account.id, { staff: true });
      }
      const held = await services.roles.rolesOf(account.id);
      const granted = held.some((r) => r.role === 'super-admin')
        ? held
        : await roles.set(caller, tenant.id, account.id, {
            roles: [...held.map((r) => ({ role: r.role, tenant: r.tenantId })), { role: 'super-admin' }],
          });
      const invitationSent = account.state === 'invited' ? await accounts.resendInvitation(caller, tenant.id, account.id) : false;
      return {
        tenant: { id: tenant.id, slug: tenant.slug, created: tenantCreated },
        account: { ...services.accounts.toPublic(account), created: accountCreated },
        roles: granted,
        invitationSent,
      };
    },
  };
}
