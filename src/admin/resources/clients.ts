import type { z } from 'zod';
import { clientCreateSchema, clientUpdateSchema } from '../../clients/schema.js';
import { toPublicClient } from '../../clients/types.js';
import type { Services } from '../../services.js';
import { pageQuery, type AdminRoutes } from '../route.js';
import { clientOut, clientWithSecretOut, listOf } from '../schemas.js';
import type { AdminOperations } from '../../operations/index.js';
import { callerOf, page } from './common.js';

/** Relying applications. */
export function registerClientRoutes(routes: AdminRoutes, services: Services, operations: AdminOperations): void {
  const { clients } = operations;

  routes.add({
    method: 'get',
    path: '/clients',
    operationId: 'listClients',
    permission: 'clients.read',
    summary: 'List relying applications',
    tag: 'Clients',
    query: pageQuery,
    response: { status: 200, description: 'A page of clients', schema: listOf(clientOut) },
    handler: async ({ query }) => {
      const { limit, after } = query as z.infer<typeof pageQuery>;
      return page((await services.clients.list({ limit, after })).map(toPublicClient), limit);
    },
  });
  routes.add({
    method: 'post',
    path: '/clients',
    operationId: 'createClient',
    permission: 'clients.write',
    summary: 'Register a relying application',
    tag: 'Clients',
    body: clientCreateSchema,
    response: { status: 201, description: 'The client and, if confidential, its secret (shown once)', schema: clientWithSecretOut },
    handler: async (input) => {
      const { client, secret } = await clients.create(callerOf(input), input.body as never);
      return { client: toPublicClient(client), secret };
    },
  });
  routes.add({
    method: 'get',
    path: '/clients/:id',
    operationId: 'getClient',
    permission: 'clients.read',
    summary: 'Read a client',
    tag: 'Clients',
    response: { status: 200, description: 'The client', schema: clientOut },
    handler: async ({ params }) => toPublicClient(await services.clients.get(params.id!)),
  });
  routes.add({
    method: 'patch',
    path: '/clients/:id',
    operationId: 'updateClient',
    permission: 'clients.write',
    summary: 'Change a client',
    tag: 'Clients',
    body: clientUpdateSchema,
    response: { status: 200, description: 'The changed client', schema: clientOut },
    handler: async (input) => toPublicClient(await clients.update(callerOf(input), input.params.id!, input.body as never)),
  });
  routes.add({
    method: 'post',
    path: '/clients/:id/secret',
    operationId: 'rotateClientSecret',
    permission: 'clients.write',
    summary: 'Issue a new client secret (the old one stops working)',
    tag: 'Clients',
    response: { status: 200, description: 'The client and its new secret (shown once)', schema: clientWithSecretOut },
    handler: async (input) => {
      const { client, secret } = await clients.rotateSecret(callerOf(input), input.params.id!);
      return { client: toPublicClient(client), secret };
    },
  });
  routes.add({
    method: 'delete',
    path: '/clients/:id',
    operationId: 'deleteClient',
    permission: 'clients.write',
    summary: 'Delete a client',
    tag: 'Clients',
    response: { status: 204, description: 'Deleted' },
    handler: async (input) => {
      await clients.delete(callerOf(input), input.params.id!);
    },
  });
}
