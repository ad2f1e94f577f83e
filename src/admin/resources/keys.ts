import { z } from 'zod';
import type { AdminOperations } from '../../operations/index.js';
import { type AdminRoutes } from '../route.js';
import { callerOf } from './common.js';

const keyStatusOut = z.object({
  kid: z.string(),
  alg: z.string(),
  state: z.enum(['next', 'current', 'retiring']),
  createdAt: z.string(),
  activatesAt: z.string(),
  retiringSince: z.string().nullable(),
  unpublishedAt: z.string().nullable(),
});
const rotationOut = z.object({
  added: z.array(z.object({ kid: z.string(), alg: z.string(), activatesAt: z.string() })),
  removed: z.array(z.string()),
});

/** Signing keys: their states, and rotation without a restart. */
export function registerKeyRoutes(routes: AdminRoutes, operations: AdminOperations): void {
  routes.add({
    method: 'get',
    path: '/keys',
    operationId: 'listSigningKeys',
    permission: 'keys.read',
    summary: 'List the signing keys (next, current, retiring) with their dates',
    tag: 'Keys',
    response: {
      status: 200,
      description: 'The published signing keys (public facts only)',
      schema: z.object({ items: z.array(keyStatusOut) }),
    },
    handler: async () => ({ items: await operations.keys.list() }),
  });
  routes.add({
    method: 'post',
    path: '/keys/rotate',
    operationId: 'rotateSigningKeys',
    permission: 'keys.rotate',
    summary:
      'Add a key per algorithm: published at once, signing after KEY_PUBLISH_DELAY_SECONDS; every node picks it up without a restart',
    tag: 'Keys',
    response: { status: 200, description: 'The keys added and removed', schema: rotationOut },
    handler: async (input) => operations.keys.rotate(callerOf(input)),
  });
}
