import type { Storage } from '../port.js';
import { Database } from './database.js';
import { SqliteAccounts, SqliteAudit, SqliteClients, SqliteConnections, SqliteTenants } from './repositories.js';
import { SqliteOidcPayloads } from './oidc-payloads.js';
import { SqliteRateLimits } from './rate-limits.js';
import { SqliteTokens } from './tokens.js';

export function openSqliteStorage(file: string): Storage {
  const db = Database.open(file);
  return {
    kind: 'sqlite',
    tenants: new SqliteTenants(db),
    accounts: new SqliteAccounts(db),
    clients: new SqliteClients(db),
    audit: new SqliteAudit(db),
    oidc: new SqliteOidcPayloads(db),
    rateLimits: new SqliteRateLimits(db),
    tokens: new SqliteTokens(db),
    connections: new SqliteConnections(db),
    async ping() {
      db.get('SELECT 1');
    },
    async close() {
      db.close();
    },
  };
}
