import type { ConnectionCreateInput, ConnectionUpdateInput } from '../federation/schema.js';
import { toPublicConnection } from '../federation/types.js';
import type { Services } from '../services.js';
import { recordAdmin, type Caller } from './caller.js';

/** Upstream identity provider changes, each with its audit entry (secrets stay sealed and out of it). */
export function connectionOperations(services: Services) {
  const record = recordAdmin(services);
  const target = (id: string) => ({ type: 'connection', id });
  return {
    async create(caller: Caller, tenantRef: string, input: ConnectionCreateInput) {
      const tenant = await services.tenants.get(tenantRef);
      const connection = await services.connections.create(tenant.id, input);
      await record(caller, 'connection.create', target(connection.id), tenant.id, { after: toPublicConnection(connection) });
      return connection;
    },
    async update(caller: Caller, tenantRef: string, connectionId: string, input: ConnectionUpdateInput) {
      const tenant = await services.tenants.get(tenantRef);
      const { before, after } = await services.connections.update(tenant.id, connectionId, input);
      await record(caller, 'connection.update', target(after.id), tenant.id, {
        before: toPublicConnection(before),
        after: toPublicConnection(after),
        secretChanged: services.connections.sealedSecretOf(before) !== services.connections.sealedSecretOf(after),
      });
      return after;
    },
    async delete(caller: Caller, tenantRef: string, connectionId: string) {
      const tenant = await services.tenants.get(tenantRef);
      const connection = await services.connections.delete(tenant.id, connectionId);
      await record(caller, 'connection.delete', target(connection.id), tenant.id, { before: toPublicConnection(connection) });
      return connection;
    },
  };
}
