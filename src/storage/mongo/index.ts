import { MongoClient } from 'mongodb';
import type { Storage } from '../port.js';
import { createIndexes } from './indexes.js';
import { MongoOidcPayloads } from './oidc-payloads.js';
import { MongoAudit, MongoClients, MongoConnections, MongoTenants } from './repositories.js';
import { MongoAccounts } from './accounts.js';
import { MongoRateLimits } from './rate-limits.js';
import { MongoTokens } from './tokens.js';
import { MongoKeyDocuments } from './key-documents.js';
import { MongoRoles, MongoSupportGrants } from './roles.js';

/** The database named by the URL's path (mongodb://host/name?options), if any. */
export function databaseNameIn(url: string): string | undefined {
  const path = /^[^:]+:\/\/[^/?]*\/([^?]*)/.exec(url)?.[1];
  return path ? decodeURIComponent(path) : undefined;
}

/**
 * Set deliberately, not left at the driver's defaults (30 s to find a server, sockets that never
 * time out): while the replica set has no reachable primary, a request fails within about 5 s,
 * is answered 503 with Retry-After (storeUnavailable), and /readyz fails, instead of hanging
 * until the proxy gives up. A primary election takes a few seconds and retryable reads and
 * writes (the defaults, kept) ride over it. Options in DATABASE_URL's query string win.
 */
export const DRIVER_TIMEOUTS = {
  serverSelectionTimeoutMS: 5_000,
  connectTimeoutMS: 5_000,
  socketTimeoutMS: 20_000,
  waitQueueTimeoutMS: 5_000,
  heartbeatFrequencyMS: 5_000,
  maxPoolSize: 50,
  retryReads: true,
  retryWrites: true,
  writeConcern: { w: 'majority' as const, wtimeoutMS: 5_000 },
} as const;

/** DRIVER_TIMEOUTS without those the URL's query string sets itself (the driver lets the object win otherwise). */
export function driverOptions(url: string): Partial<typeof DRIVER_TIMEOUTS> {
  const query = url.includes('?') ? url.slice(url.indexOf('?') + 1) : '';
  const given = new Set([...new URLSearchParams(query).keys()].map((k) => k.toLowerCase()));
  if (given.has('w') || given.has('wtimeoutms')) given.add('writeconcern');
  return Object.fromEntries(Object.entries(DRIVER_TIMEOUTS).filter(([key]) => !given.has(key.toLowerCase())));
}

/** Connects and creates the indexes; the database is the URL's, else options.dbName, else `idp`. */
export async function openMongoStorage(url: string, options: { dbName?: string } = {}): Promise<Storage> {
  const client = new MongoClient(url, { ignoreUndefined: true, ...driverOptions(url) });
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
      keys: new MongoKeyDocuments(db),
      roles: new MongoRoles(db),
      supportGrants: new MongoSupportGrants(db),
      async ping() {
        await db.command({ ping: 1 });
      },
      async heartbeat() {
        await db
          .collection<{ _id: string; at: Date }>('heartbeat')
          .updateOne({ _id: 'readyz' }, { $set: { at: new Date() } }, { upsert: true });
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
