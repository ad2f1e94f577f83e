import type { z } from 'zod';
import { apiCreateSchema, apiUpdateSchema } from '../../apis/schema.js';
import type { Services } from '../../services.js';
import { pageQuery, type AdminRoutes } from '../route.js';
import { apiOut, listOf } from '../schemas.js';
import type { AdminOperations } from '../../operations/index.js';
import { callerOf, page } from './common.js';

/** APIs (resource servers); `:id` is the id or the identifier, URL-encoded. */
export function registerApiRoutes(routes: AdminRoutes, services: Services, operations: AdminOperations): void {
  const { apis } = operations;

  routes.add({
    method: 'get',
    path: '/apis',
    operationId: 'listApis',
    summary: 'List APIs (resource servers)',
    tag: 'APIs',
    query: pageQuery,
    response: { status: 200, description: 'A page of APIs', schema: listOf(apiOut) },
    handler: async ({ query }) => {
      const { limit, after } = query as z.infer<typeof pageQuery>;
      return page(await services.apis.list({ limit, after }), limit);
    },
  });
  routes.add({
    method: 'post',
    path: '/apis',
    operationId: 'createApi',
    summary: 'Register an API and its scopes',
    tag: 'APIs',
    body: apiCreateSchema,
    response: { status: 201, description: 'The API', schema: apiOut },
    handler: async (input) => apis.create(callerOf(input), input.body as never),
  });
  routes.add({
    method: 'get',
    path: '/apis/:id',
    operationId: 'getApi',
    summary: 'Read an API',
    tag: 'APIs',
    response: { status: 200, description: 'The API', schema: apiOut },
    handler: async ({ params }) => services.apis.get(params.id!),
  });
  routes.add({
    method: 'patch',
    path: '/apis/:id',
    operationId: 'updateApi',
    summary: 'Change an API (its identifier is fixed)',
    tag: 'APIs',
    body: apiUpdateSchema,
    response: { status: 200, description: 'The changed API', schema: apiOut },
    handler: async (input) => apis.update(callerOf(input), input.params.id!, input.body as never),
  });
  routes.add({
    method: 'delete',
    path: '/apis/:id',
    operationId: 'deleteApi',
    summary: 'Delete an API (and its grants to clients)',
    tag: 'APIs',
    response: { status: 204, description: 'Deleted' },
    handler: async (input) => {
      await apis.delete(callerOf(input), input.params.id!);
    },
  });
}
