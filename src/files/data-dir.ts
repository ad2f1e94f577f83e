import path from 'node:path';
import { DEVELOPMENT_KEY_FILE } from '../crypto/keyring.js';
import { OUTBOX_DIR_NAME } from '../mail/open.js';
import { SQLITE_FILE_NAME } from '../storage/open.js';
import { exposedPaths, type ExposedPath } from './private-files.js';

/**
 * What DATA_DIR holds that nobody else on the machine may read: the SQLite files (live
 * sessions and tokens), the outbox (e-mailed links) and the development encryption key.
 * The service creates them private; this finds the ones that exist with a wider mode.
 */
export function exposedDataPaths(dataDir: string): ExposedPath[] {
  const database = path.join(dataDir, SQLITE_FILE_NAME);
  return exposedPaths([
    dataDir,
    database,
    `${database}-wal`,
    `${database}-shm`,
    path.join(dataDir, OUTBOX_DIR_NAME),
    path.join(dataDir, DEVELOPMENT_KEY_FILE),
  ]);
}
