import { MongoClient } from 'mongodb';
import type { Storage } from '../port.js';
import { createIndexes } from './indexes.js';
import { MongoOidcPayloads } from './oidc-payloads.js';
import { MongoAudit, MongoClients, MongoConnections, MongoTenants } from './repositories.js';
import { MongoAccounts } from './accounts.js';
import { MongoRateLimits } from './rate-limits.js';
import { MongoTokens } from './tokens.js';

/** The database named by the URL's path (mongodb://host/name?options), if any. */
export function databaseNameIn(url: string): string | undefined {
  const path = /^[^:]+:\/\/[^/?]*\/([^?]*)/.exec(url)?.[1];
  return path ? decodeURIComponent(path) : undefined;
}

/** Connects and creates the indexes; the database is the URL's, else options.dbName, else `idp`. */
export async function openMongoStorage(url: string, options: { dbName?: string } = {}): Promise<Storage> {
  const client = new MongoClient(url, { ignoreUndefined: true });
  try {
    await client.connect();
    const db = client.db(databaseNameIn(url) ?? options.dbName ?? 'idp');
    await createIndexes(db);
    return {
      kind: 'mongodb',
      tenants: new MongoTenants(db),
      accounts: new MongoAccounts(db),
      clients: new MongoClients(db),
      audit: new MongoAudit(db),
      oidc: new MongoOidcPayloads(db),
      rateLimits: new MongoRateLimits(db),
      tokens: new MongoTokens(db),
      connections: new MongoConnections(db),
      async ping() {
        await db.command({ ping: 1 });
      },
      async heartbeat() {
        await db.collection<{ _id: string; at: Date }>('heartbeat').updateOne({ _id: 'readyz' }, { $set: { at: new Date() } }, { upsert: true });
      },
      async close() {
        await client.close();
      },
    };
  } catch (error) {
    await client.close();
    throw error;
  }
}
