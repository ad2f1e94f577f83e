import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Database } from '../../src/storage/sqlite/database.js';
import { SqliteTenants } from '../../src/storage/sqlite/repositories.js';
import { StoreUnavailableError } from '../../src/storage/errors.js';
import { aTenant } from './contract.js';

describe('a full SQLite database', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'idp-full-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('refuses writes as StoreUnavailableError (which the server answers with 503), and still reads', async () => {
    const db = Database.open(path.join(dir, 'full.sqlite'));
    const tenants = db.guarded(new SqliteTenants(db));
    const kept = aTenant();
    await tenants.insert(kept);
    // A real SQLITE_FULL, as a full disk gives: the file may not grow past its current size.
    const { page_count: pages } = db.get<{ page_count: number }>('PRAGMA page_count')!;
    db.db.exec(`PRAGMA max_page_count = ${pages}`);
    const big = aTenant({ name: 'x'.repeat(64 * 1024) });
    const refusal = await tenants.insert(big).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(StoreUnavailableError);
    expect(refusal).toMatchObject({ reason: 'failing' });
    expect(await tenants.findById(kept.id)).toMatchObject({ id: kept.id });
    expect(await tenants.findById(big.id)).toBeNull();
    db.close();
  });
});
