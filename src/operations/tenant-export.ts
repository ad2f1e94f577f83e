import { toPublicClient } from '../clients/types.js';
import { toPublicConnection } from '../federation/types.js';
import type { Services } from '../services.js';
import { recordAdmin, type Caller } from './caller.js';

const PAGE = 500;

/** The format of a tenant export, named in its first line. */
export const TENANT_EXPORT_FORMAT = 'idp-tenant-export/1';

/**
 * Everything a tenant owns, as JSON Lines: one `{ "type": …, "data": … }` object a line, in
 * this order: `export` (format, time, tenant id), `tenant` (with its policies), each `account`
 * (no password hash or history, TOTP seed or recovery codes; identity links included), each
 * `connection` (no client secret), each `client` limited to the tenant (no secret hash), each
 * `audit_event` of its chain in chain order (with seq, prevHash and hash, so the chain can be
 * checked from the export), and last `end` with the count of each type. Read page by page, so
 * memory stays flat however many accounts there are. Registration and reset link tokens are
 * never exported (only their hashes are stored, and they are not the tenant's data).
 */
export function tenantExportOperations(services: Services) {
  const record = recordAdmin(services);
  return {
    /** Resolves the tenant and records the export first (so an unknown tenant fails before any output), then streams. */
    async start(caller: Caller, tenantRef: string): Promise<AsyncGenerator<string>> {
      const tenant = await services.tenants.get(tenantRef);
      await record(caller, 'tenant.export', { type: 'tenant', id: tenant.id }, tenant.id);
      return lines(tenant.id);
    },
  };

  async function* lines(tenantId: string): AsyncGenerator<string> {
    const counts = { account: 0, connection: 0, client: 0, audit_event: 0 };
    const line = (type: string, data: unknown) => `${JSON.stringify({ type, data })}\n`;
    const tenant = await services.tenants.get(tenantId);
    const { purgeLeaseUntil: _lease, ...tenantData } = tenant;
    yield line('export', { format: TENANT_EXPORT_FORMAT, exportedAt: new Date().toISOString(), tenantId });
    yield line('tenant', tenantData);
    for (let after: string | undefined; ;) {
      const accounts = await services.accounts.list(tenantId, { limit: PAGE, after });
      for (const account of accounts) {
        counts.account += 1;
        yield line('account', services.accounts.toPublic(account));
      }
      if (accounts.length < PAGE) break;
      after = accounts[accounts.length - 1]!.id;
    }
    for (const connection of await services.connections.list(tenantId)) {
      counts.connection += 1;
      yield line('connection', toPublicConnection(connection));
    }
    for (let after: string | undefined; ;) {
      const clients = await services.clients.list({ limit: PAGE, after });
      for (const client of clients.filter((c) => c.tenantIds.includes(tenantId))) {
        counts.client += 1;
        yield line('client', toPublicClient(client));
      }
      if (clients.length < PAGE) break;
      after = clients[clients.length - 1]!.id;
    }
    for await (const event of services.audit.chainEvents(tenantId)) {
      counts.audit_event += 1;
      yield line('audit_event', event);
    }
    yield line('end', { counts });
  }
}
