import { Readable } from 'node:stream';
import { z } from 'zod';
import { tenantCreateSchema, tenantUpdateSchema } from '../../tenants/schema.js';
import { tenantPolicySchema } from '../../policy/schema.js';
import type { Services } from '../../services.js';
import { pageQuery, type AdminRoutes } from '../route.js';
import { listOf, policyOut, tenantOut } from '../schemas.js';
import type { AdminOperations } from '../../operations/index.js';
import { callerOf, page } from './common.js';
import { TENANT_DELETION_GRACE_DAYS } from '../../config/defaults.js';

/** Tenants, and their password and lockout policy. */
export function registerTenantRoutes(routes: AdminRoutes, services: Services, operations: AdminOperations): void {
  const { tenants } = operations;

  routes.add({
    method: 'get',
    path: '/tenants',
    operationId: 'listTenants',
    permission: 'tenants.list',
    summary:
      'List the tenants the caller may see (every tenant for super-admins and auditors of all; otherwise those its roles and support grants name)',
    tag: 'Tenants',
    query: pageQuery,
    response: { status: 200, description: 'A page of tenants', schema: listOf(tenantOut) },
    handler: async ({ query, state }) => {
      const { limit, after } = query as z.infer<typeof pageQuery>;
      const visible = state.authority.visibleTenants();
      if (visible === 'all') return page(await services.tenants.list({ limit, after }), limit);
      // Only the tenants the caller's roles and support grants name: a handful, read one by one.
      const ids = [...visible].filter((id) => id > (after ?? '')).sort();
      const found = await Promise.all(ids.map((id) => services.tenants.findById(id)));
      return page(found.filter((t) => t !== null).slice(0, limit), limit);
    },
  });
  routes.add({
    method: 'post',
    path: '/tenants',
    operationId: 'createTenant',
    permission: 'tenants.create',
    summary: 'Create a tenant',
    tag: 'Tenants',
    body: tenantCreateSchema,
    response: { status: 201, description: 'The new tenant', schema: tenantOut },
    handler: (input) => tenants.create(callerOf(input), input.body as never),
  });
  routes.add({
    method: 'get',
    path: '/tenants/:tenant',
    operationId: 'getTenant',
    permission: 'tenant.read',
    summary: 'Read a tenant (by id or slug)',
    tag: 'Tenants',
    response: { status: 200, description: 'The tenant', schema: tenantOut },
    handler: ({ params }) => services.tenants.get(params.tenant!),
  });
  routes.add({
    method: 'patch',
    path: '/tenants/:tenant',
    operationId: 'updateTenant',
    permission: 'tenant.write',
    summary: 'Change a tenant',
    tag: 'Tenants',
    body: tenantUpdateSchema,
    response: { status: 200, description: 'The changed tenant', schema: tenantOut },
    handler: (input) => tenants.update(callerOf(input), input.params.tenant!, input.body as never),
  });
  routes.add({
    method: 'delete',
    path: '/tenants/:tenant',
    operationId: 'deleteTenant',
    permission: 'tenant.lifecycle',
    summary:
      'Schedule the deletion of a tenant: at once nobody of it signs in, its sessions and tokens end, its connections and links stop; ' +
      'its data is purged after the grace period (`graceDays`, default 30, 0-180) unless it is restored first',
    tag: 'Tenants',
    query: z.strictObject({
      graceDays: z.coerce.number().int().min(TENANT_DELETION_GRACE_DAYS.min).max(TENANT_DELETION_GRACE_DAYS.max).optional(),
    }),
    response: { status: 200, description: 'The tenant, scheduled for deletion, with `purgeAfter`', schema: tenantOut },
    handler: (input) =>
      tenants.delete(callerOf(input), input.params.tenant!, { graceDays: (input.query as { graceDays?: number }).graceDays }),
  });
  routes.add({
    method: 'get',
    path: '/tenants/:tenant/export',
    operationId: 'exportTenant',
    permission: 'tenant.export',
    summary:
      'Everything the tenant owns as JSON Lines, streamed: export, tenant, accounts, connections, clients, audit events, end ' +
      '(no password hashes, TOTP seeds, recovery codes, link tokens or secrets; README, "Export a tenant")',
    tag: 'Tenants',
    response: {
      status: 200,
      description: 'JSON Lines, one { type, data } object a line',
      schema: z.object({ type: z.string(), data: z.unknown() }),
      contentType: 'application/jsonl',
    },
    handler: async (input) => Readable.from(await operations.tenantExport.start(callerOf(input), input.params.tenant!)),
  });
  routes.add({
    method: 'post',
    path: '/tenants/:tenant/restore',
    operationId: 'restoreTenant',
    permission: 'tenant.lifecycle',
    summary: 'Cancel a scheduled deletion within the grace period: everything works again as before',
    tag: 'Tenants',
    response: { status: 200, description: 'The tenant, active again', schema: tenantOut },
    handler: (input) => tenants.restore(callerOf(input), input.params.tenant!),
  });

  // Password and lockout policy
  routes.add({
    method: 'get',
    path: '/tenants/:tenant/policy',
    operationId: 'getTenantPolicy',
    permission: 'tenant.policy.read',
    summary: 'Read the password and lockout policy',
    tag: 'Policy',
    response: { status: 200, description: 'The policy', schema: policyOut },
    handler: async ({ params }) => (await services.tenants.get(params.tenant!)).policy,
  });
  routes.add({
    method: 'put',
    path: '/tenants/:tenant/policy',
    operationId: 'setTenantPolicy',
    permission: 'tenant.policy.write',
    summary: 'Replace the password and lockout policy (omitted fields take their defaults; applies from the next password set)',
    tag: 'Policy',
    body: tenantPolicySchema,
    response: { status: 200, description: 'The policy now in force', schema: policyOut },
    handler: (input) => tenants.setPolicy(callerOf(input), input.params.tenant!, input.body as never),
  });
}
