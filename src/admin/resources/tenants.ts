import type { z } from 'zod';
import { tenantCreateSchema, tenantUpdateSchema } from '../../tenants/schema.js';
import { tenantPolicySchema } from '../../policy/schema.js';
import type { Services } from '../../services.js';
import { pageQuery, type AdminRoutes } from '../route.js';
import { listOf, policyOut, tenantOut } from '../schemas.js';
import type { AdminOperations } from '../../operations/index.js';
import { callerOf, page } from './common.js';

/** Tenants, and their password and lockout policy. */
export function registerTenantRoutes(routes: AdminRoutes, services: Services, operations: AdminOperations): void {
  const { tenants } = operations;

  routes.add({
    method: 'get', path: '/tenants', operationId: 'listTenants', summary: 'List tenants', tag: 'Tenants', query: pageQuery,
    response: { status: 200, description: 'A page of tenants', schema: listOf(tenantOut) },
    handler: async ({ query }) => {
      const { limit, after } = query as z.infer<typeof pageQuery>;
      return page(await services.tenants.list({ limit, after }), limit);
    },
  });
  routes.add({
    method: 'post', path: '/tenants', operationId: 'createTenant', summary: 'Create a tenant', tag: 'Tenants', body: tenantCreateSchema,
    response: { status: 201, description: 'The new tenant', schema: tenantOut },
    handler: (input) => tenants.create(callerOf(input), input.body as never),
  });
  routes.add({
    method: 'get', path: '/tenants/:tenant', operationId: 'getTenant', summary: 'Read a tenant (by id or slug)', tag: 'Tenants',
    response: { status: 200, description: 'The tenant', schema: tenantOut },
    handler: ({ params }) => services.tenants.get(params.tenant!),
  });
  routes.add({
    method: 'patch', path: '/tenants/:tenant', operationId: 'updateTenant', summary: 'Change a tenant', tag: 'Tenants', body: tenantUpdateSchema,
    response: { status: 200, description: 'The changed tenant', schema: tenantOut },
    handler: (input) => tenants.update(callerOf(input), input.params.tenant!, input.body as never),
  });
  routes.add({
    method: 'delete', path: '/tenants/:tenant', operationId: 'deleteTenant', summary: 'Delete a tenant and its accounts', tag: 'Tenants',
    response: { status: 204, description: 'Deleted' },
    handler: async (input) => {
      await tenants.delete(callerOf(input), input.params.tenant!);
    },
  });

  // Password and lockout policy
  routes.add({
    method: 'get', path: '/tenants/:tenant/policy', operationId: 'getTenantPolicy', summary: 'Read the password and lockout policy', tag: 'Policy',
    response: { status: 200, description: 'The policy', schema: policyOut },
    handler: async ({ params }) => (await services.tenants.get(params.tenant!)).policy,
  });
  routes.add({
    method: 'put', path: '/tenants/:tenant/policy', operationId: 'setTenantPolicy',
    summary: 'Replace the password and lockout policy (omitted fields take their defaults; applies from the next password set)', tag: 'Policy',
    body: tenantPolicySchema, response: { status: 200, description: 'The policy now in force', schema: policyOut },
    handler: (input) => tenants.setPolicy(callerOf(input), input.params.tenant!, input.body as never),
  });
}
