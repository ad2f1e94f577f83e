import { backup } from 'node:sqlite';
import type { Storage } from '../port.js';
import { Database } from './database.js';
import { SqliteAccounts, SqliteAudit, SqliteClients, SqliteConnections, SqliteTenants } from './repositories.js';
import { SqliteOidcPayloads } from './oidc-payloads.js';
import { SqliteLogoutDeliveries } from './logout-deliveries.js';
import { SqliteRateLimits } from './rate-limits.js';
import { SqliteTokens } from './tokens.js';
import { SqliteKeyDocuments } from './key-documents.js';
import { SqliteApis } from './apis.js';
import { SqliteRoles, SqliteSupportGrants } from './roles.js';

export function openSqliteStorage(file: string): Storage {
  const db = Database.open(file);
  return {
    kind: 'sqlite',
    tenants: db.guarded(new SqliteTenants(db)),
    accounts: db.guarded(new SqliteAccounts(db)),
    clients: db.guarded(new SqliteClients(db)),
    audit: db.guarded(new SqliteAudit(db)),
    oidc: db.guarded(new SqliteOidcPayloads(db)),
    logoutDeliveries: db.guarded(new SqliteLogoutDeliveries(db)),
    rateLimits: db.guarded(new SqliteRateLimits(db)),
    tokens: db.guarded(new SqliteTokens(db)),
    connections: db.guarded(new SqliteConnections(db)),
    keys: db.guarded(new SqliteKeyDocuments(db)),
    apis: db.guarded(new SqliteApis(db)),
    roles: db.guarded(new SqliteRoles(db)),
    supportGrants: db.guarded(new SqliteSupportGrants(db)),
    async ping() {
      await db.whenFree(() => db.get('SELECT 1'));
    },
    // One attempt, no retries: readiness answers at once that the store is locked.
    async heartbeat() {
      await db.whenFree(
        () => db.run('INSERT INTO heartbeat (id, at) VALUES (1, $at) ON CONFLICT (id) DO UPDATE SET at = excluded.at', { at: Date.now() }),
        [],
      );
    },
    async backup(destination: string) {
      return { pages: await backup(db.db, destination) };
    },
    async close() {
      db.close();
      await db.checkpointer?.stopped;
    },
  };
}
