import type { ClientCreateInput, ClientUpdateInput } from '../clients/schema.js';
import { toPublicClient } from '../clients/types.js';
import type { Services } from '../services.js';
import { recordAdmin, type Caller } from './caller.js';

/** Relying-application changes, each with its audit entry (never a secret). */
export function clientOperations(services: Services) {
  const record = recordAdmin(services);
  const target = (id: string) => ({ type: 'client', id });
  return {
    async create(caller: Caller, input: ClientCreateInput) {
      const created = await services.clients.create(input);
      await record(caller, 'client.create', target(created.client.id), null, { after: toPublicClient(created.client) });
      if (!created.client.requirePkce) await record(caller, 'client.pkce_not_required', target(created.client.id), null);
      return created;
    },
    async update(caller: Caller, clientId: string, input: ClientUpdateInput) {
      const { before, after } = await services.clients.update(clientId, input);
      await record(caller, 'client.update', target(after.id), null, { before: toPublicClient(before), after: toPublicClient(after) });
      // Turning a protection off stands out in the trail on its own.
      if (before.requirePkce && !after.requirePkce) await record(caller, 'client.pkce_not_required', target(after.id), null);
      return after;
    },
    async rotateSecret(caller: Caller, clientId: string) {
      const rotated = await services.clients.rotateSecret(clientId);
      await record(caller, 'client.rotate_secret', target(rotated.client.id), null);
      return rotated;
    },
    async delete(caller: Caller, clientId: string) {
      const client = await services.clients.delete(clientId);
      await record(caller, 'client.delete', target(client.id), null, { before: toPublicClient(client) });
      return client;
    },
  };
}
