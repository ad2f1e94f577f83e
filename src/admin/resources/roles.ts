import { z } from 'zod';
import { roleSetSchema, supportGrantCreateSchema } from '../../roles/schema.js';
import { ROLES } from '../../roles/types.js';
import type { AdminOperations } from '../../operations/index.js';
import type { AdminRoutes } from '../route.js';
import { callerOf } from './common.js';

const roleOut = z.object({
  role: z.enum(ROLES),
  tenantId: z.string().nullable().describe('The tenant the role covers; null for every tenant'),
});
const rolesOut = z.object({ items: z.array(roleOut) });

const supportGrantOut = z.object({
  id: z.string(),
  tenantId: z.string(),
  staffAccountId: z.string(),
  reason: z.string(),
  caseReference: z.string(),
  createdAt: z.iso.datetime(),
  createdBy: z.string().describe('Who granted it, as type:id'),
  expiresAt: z.iso.datetime(),
  endedAt: z.iso.datetime().nullable(),
  endedBy: z.string().nullable(),
});

/** Roles held by accounts, and time-boxed support access of staff to a tenant (R12). */
export function registerRoleRoutes(routes: AdminRoutes, operations: AdminOperations): void {
  const { roles } = operations;

  routes.add({
    method: 'get',
    path: '/tenants/:tenant/accounts/:id/roles',
    operationId: 'getAccountRoles',
    permission: 'tenant.roles.read',
    summary: "Read an account's administrator roles",
    tag: 'Roles',
    response: { status: 200, description: 'The roles it holds', schema: rolesOut },
    handler: async ({ params }) => ({ items: await roles.get(params.tenant!, params.id!) }),
  });
  routes.add({
    method: 'put',
    path: '/tenants/:tenant/accounts/:id/roles',
    operationId: 'setAccountRoles',
    permission: 'tenant.roles.write',
    summary:
      'Replace an account\'s roles (`{"roles": [{"role": "tenant-admin", "tenant": "acme"}]}`): a customer\'s account holds roles of ' +
      'its own tenant only; super-admin and roles of other tenants only staff, granted by a super-admin; audited',
    tag: 'Roles',
    body: roleSetSchema,
    response: { status: 200, description: 'The roles it holds now', schema: rolesOut },
    handler: async (input) => ({ items: await roles.set(callerOf(input), input.params.tenant!, input.params.id!, input.body as never) }),
  });
  routes.add({
    method: 'delete',
    path: '/tenants/:tenant/accounts/:id/roles',
    operationId: 'removeAccountRoles',
    permission: 'tenant.roles.write',
    summary: 'Take every role away from an account (at once: its next request is refused); audited',
    tag: 'Roles',
    response: { status: 204, description: 'It holds no role now' },
    handler: async (input) => {
      await roles.set(callerOf(input), input.params.tenant!, input.params.id!, { roles: [] });
    },
  });

  routes.add({
    method: 'get',
    path: '/tenants/:tenant/roles',
    operationId: 'listTenantRoles',
    permission: 'tenant.roles.read',
    summary: "Who holds a role over the tenant: its own accounts' roles and staff roles naming it (not super-admins, who cover all)",
    tag: 'Roles',
    response: {
      status: 200,
      description: 'The role assignments naming the tenant, by account',
      schema: z.object({ items: z.array(roleOut.extend({ accountId: z.string(), grantedAt: z.iso.datetime() })) }),
    },
    handler: async ({ params }) => ({ items: await roles.listOfTenant(params.tenant!) }),
  });
  routes.add({
    method: 'post',
    path: '/tenants/:tenant/support-grants',
    operationId: 'grantSupportAccess',
    permission: 'support_grants.write',
    summary:
      'Let a staff member act as tenant-admin of the tenant until `expiresAt` (at most 72 hours), for a reason and a case; ' +
      "every request under the grant is recorded in the tenant's audit trail naming it",
    tag: 'Support access',
    body: supportGrantCreateSchema,
    response: { status: 201, description: 'The grant', schema: supportGrantOut },
    handler: (input) => roles.grantSupport(callerOf(input), input.params.tenant!, input.body as never),
  });
  routes.add({
    method: 'get',
    path: '/tenants/:tenant/support-grants',
    operationId: 'listSupportGrants',
    permission: 'tenant.support_grants.read',
    summary: 'List support access grants to the tenant, newest first, live or not',
    tag: 'Support access',
    response: {
      status: 200,
      description: 'The grants',
      schema: z.object({ items: z.array(supportGrantOut.extend({ live: z.boolean().describe('Neither ended nor expired now') })) }),
    },
    handler: async ({ params }) => ({ items: await roles.listSupportGrants(params.tenant!) }),
  });
  routes.add({
    method: 'delete',
    path: '/tenants/:tenant/support-grants/:id',
    operationId: 'endSupportAccess',
    permission: 'support_grants.write',
    summary: 'End a support grant now (409 when it has already ended or expired)',
    tag: 'Support access',
    response: { status: 200, description: 'The ended grant', schema: supportGrantOut },
    handler: (input) => roles.endSupport(callerOf(input), input.params.tenant!, input.params.id!),
  });
}

/** Who the caller is and what it may do: for the console to show what it can offer. */
export function registerSelfRoute(routes: AdminRoutes): void {
  routes.add({
    method: 'get',
    path: '/me',
    operationId: 'getCaller',
    permission: 'self.read',
    summary: "The caller: its actor, roles and live support grants, and each permission's tenants",
    tag: 'Roles',
    response: {
      status: 200,
      description: 'The caller',
      schema: z.object({
        actor: z.object({ type: z.string(), id: z.string().optional() }),
        roles: z.array(roleOut),
        supportGrants: z.array(z.object({ grantId: z.string(), tenantId: z.string() })),
        tenants: z.union([z.literal('all'), z.array(z.string())]).describe('The tenant ids it may see, or "all"'),
      }),
    },
    handler: async ({ state }) => {
      const visible = state.authority.visibleTenants();
      return {
        actor: state.actor,
        roles: state.authority.roles,
        supportGrants: state.authority.supportGrants,
        tenants: visible === 'all' ? 'all' : [...visible].sort(),
      };
    },
  });
}
