import path from 'node:path';
import type { Storage } from './port.js';
import { openSqliteStorage } from './sqlite/index.js';

export const SQLITE_FILE_NAME = 'idp.sqlite';

/** Opens the store the environment names: MongoDB for a mongodb:// URL, else SQLite in the data directory. */
export async function openStorage(options: { databaseUrl?: string; dataDir: string }): Promise<Storage> {
  if (options.databaseUrl) {
    const { openMongoStorage } = await import('./mongo/index.js');
    return openMongoStorage(options.databaseUrl);
  }
  return openSqliteStorage(path.join(options.dataDir, SQLITE_FILE_NAME));
}
