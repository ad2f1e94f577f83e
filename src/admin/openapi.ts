import { z } from 'zod';
import type { RouteSpec } from './route.js';
import { PERMISSIONS, ROLE_PERMISSIONS } from '../roles/permissions.js';
import { ROLES } from '../roles/types.js';
import { problemOut } from './schemas.js';

export const ADMIN_PREFIX = '/admin/v1';

function jsonSchema(schema: z.ZodType, io: 'input' | 'output') {
  return z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' });
}

const problemResponse = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
});

/** Who may call an endpoint, in words, from the same declarations the guard checks. */
function permissionText(spec: RouteSpec): string {
  const { scope, description } = PERMISSIONS[spec.permission];
  const roles = ROLES.filter((role) => ROLE_PERMISSIONS[role].includes(spec.permission));
  const where = scope === 'tenant' ? ' of the tenant it names (or of every tenant)' : '';
  return `Permission \`${spec.permission}\` (${description}): ${roles.join(', ')}${where}.`;
}

/** The OpenAPI 3.1 document, built from the same route declarations that serve requests. */
export function openApiDocument(issuer: string, specs: readonly RouteSpec[]) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const spec of specs) {
    const path = spec.path.replace(/:(\w+)/g, '{$1}');
    const parameters = [
      ...[...spec.path.matchAll(/:(\w+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } })),
      ...Object.entries(spec.query?.shape ?? {}).map(([name, schema]) => ({
        name,
        in: 'query',
        required: false,
        schema: jsonSchema(schema as z.ZodType, 'input'),
      })),
    ];
    (paths[path] ??= {})[spec.method] = {
      operationId: spec.operationId,
      summary: spec.summary,
      description: permissionText(spec),
      'x-permission': spec.permission,
      tags: [spec.tag],
      ...(parameters.length ? { parameters } : {}),
      ...(spec.body
        ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(spec.body, 'input') } } } }
        : {}),
      responses: {
        [spec.response.status]: {
          description: spec.response.description,
          ...(spec.response.schema
            ? { content: { [spec.response.contentType ?? 'application/json']: { schema: jsonSchema(spec.response.schema, 'output') } } }
            : {}),
        },
        400: problemResponse('The request is not valid; `problems` lists every failed rule'),
        401: problemResponse('No valid bearer token'),
        403: problemResponse(`The token lacks the admin scope, or the caller lacks the permission ${spec.permission}`),
        ...(spec.path.includes(':') ? { 404: problemResponse('No such resource') } : {}),
        ...(spec.method !== 'get' ? { 409: problemResponse('Conflicts with an existing record or a change made meanwhile') } : {}),
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Identity provider admin API', version: '1' },
    servers: [{ url: `${issuer}${ADMIN_PREFIX}` }],
    security: [{ adminToken: [] }],
    paths,
    components: {
      securitySchemes: {
        adminToken: {
          type: 'oauth2',
          description:
            "Client credentials from an admin client (`idp client create --admin [--role R]`), scope `admin`; or a person's access " +
            'token from the built-in console client `idp-console` (authorization code + PKCE, scope `openid admin`) for an account ' +
            'with a role. Each endpoint names the permission it needs (`x-permission`).',
          flows: { clientCredentials: { tokenUrl: `${issuer}/token`, scopes: { admin: 'Administer tenants, clients and accounts' } } },
        },
      },
      schemas: { Problem: jsonSchema(problemOut, 'output') },
    },
  };
}
