import { z } from 'zod';
import { connectionCreateSchema, connectionUpdateSchema } from '../../federation/schema.js';
import { toPublicConnection } from '../../federation/types.js';
import type { Services } from '../../services.js';
import { type AdminRoutes } from '../route.js';
import { connectionOut } from '../schemas.js';
import type { AdminOperations } from '../../operations/index.js';
import { callerOf } from './common.js';

/** A tenant's upstream identity providers. */
export function registerConnectionRoutes(routes: AdminRoutes, services: Services, operations: AdminOperations): void {
  const { connections } = operations;

  routes.add({
    method: 'get',
    path: '/tenants/:tenant/connections',
    operationId: 'listConnections',
    permission: 'tenant.connections.read',
    summary: "List the tenant's upstream identity providers",
    tag: 'Connections',
    response: { status: 200, description: 'The connections', schema: z.object({ items: z.array(connectionOut) }) },
    handler: async ({ params }) => {
      const tenant = await services.tenants.get(params.tenant!);
      return { items: (await services.connections.list(tenant.id)).map(toPublicConnection) };
    },
  });
  routes.add({
    method: 'post',
    path: '/tenants/:tenant/connections',
    operationId: 'createConnection',
    permission: 'tenant.connections.write',
    summary: 'Connect an upstream identity provider (entra, google, oidc or saml); secrets are sealed at rest',
    tag: 'Connections',
    body: connectionCreateSchema,
    response: { status: 201, description: 'The connection', schema: connectionOut },
    handler: async (input) => toPublicConnection(await connections.create(callerOf(input), input.params.tenant!, input.body as never)),
  });
  routes.add({
    method: 'get',
    path: '/tenants/:tenant/connections/:id',
    operationId: 'getConnection',
    permission: 'tenant.connections.read',
    summary: 'Read a connection',
    tag: 'Connections',
    response: { status: 200, description: 'The connection', schema: connectionOut },
    handler: async ({ params }) => {
      const tenant = await services.tenants.get(params.tenant!);
      return toPublicConnection(await services.connections.get(tenant.id, params.id!));
    },
  });
  routes.add({
    method: 'patch',
    path: '/tenants/:tenant/connections/:id',
    operationId: 'updateConnection',
    permission: 'tenant.connections.write',
    summary: 'Change a connection',
    tag: 'Connections',
    body: connectionUpdateSchema,
    response: { status: 200, description: 'The changed connection', schema: connectionOut },
    handler: async (input) =>
      toPublicConnection(await connections.update(callerOf(input), input.params.tenant!, input.params.id!, input.body as never)),
  });
  routes.add({
    method: 'delete',
    path: '/tenants/:tenant/connections/:id',
    operationId: 'deleteConnection',
    permission: 'tenant.connections.write',
    summary: 'Remove a connection',
    tag: 'Connections',
    response: { status: 204, description: 'Deleted' },
    handler: async (input) => {
      await connections.delete(callerOf(input), input.params.tenant!, input.params.id!);
    },
  });
}
