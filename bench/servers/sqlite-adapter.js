// A diagnostic for `bare.js` (BENCH_BARE_STORE=sqlite): bare oidc-provider on our durable store,
// with our adapter over the embedded SQLite repository, to tell what the store costs from what
// the rest of our server does. Without our keyed hashing of ids and remembered tokens.
import path from 'node:path';
import { openSqliteStorage } from '../../dist/storage/sqlite/index.js';
import { createAdapterClass } from '../../dist/oidc/adapter.js';

export function sqliteAdapter(dataDir) {
  const storage = openSqliteStorage(path.join(dataDir, 'idp.sqlite'));
  return createAdapterClass(storage.oidc, storage.clients);
}
