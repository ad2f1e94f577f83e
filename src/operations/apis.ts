import type { ApiCreateInput, ApiUpdateInput } from '../apis/schema.js';
import type { Services } from '../services.js';
import { recordAdmin, type Caller } from './caller.js';

/** API (resource server) changes, each with its audit entry. */
export function apiOperations(services: Services) {
  const record = recordAdmin(services);
  const target = (id: string) => ({ type: 'api', id });
  return {
    async create(caller: Caller, input: ApiCreateInput) {
      const api = await services.apis.create(input);
      await record(caller, 'api.create', target(api.id), api.tenantId, { after: api });
      return api;
    },
    async update(caller: Caller, ref: string, input: ApiUpdateInput) {
      const { before, after } = await services.apis.update(ref, input);
      await record(caller, 'api.update', target(after.id), after.tenantId, { before, after });
      return after;
    },
    /** Deleting an API also takes it from every client it was granted to, so a new API of the same identifier starts with none. */
    async delete(caller: Caller, ref: string) {
      const api = await services.apis.delete(ref);
      const clients = await services.clients.revokeApi(api.identifier);
      await record(caller, 'api.delete', target(api.id), api.tenantId, { before: api, revokedFromClients: clients });
      return api;
    },
  };
}
