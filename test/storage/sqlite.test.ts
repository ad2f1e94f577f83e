import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { openSqliteStorage } from '../../src/storage/sqlite/index.js';
import { storageContract } from './contract.js';

describe('SQLite storage (a real file)', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'idp-sqlite-'));
  let n = 0;
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  storageContract(async () => openSqliteStorage(path.join(dir, `store-${(n += 1)}.sqlite`)));
});

describe('SQLite group commit', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'idp-sqlite-batch-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('writes asked for together are each committed when their promise settles, seen by another connection', async () => {
    const file = path.join(dir, 'batch.sqlite');
    const storage = openSqliteStorage(file);
    const other = new DatabaseSync(file, { readOnly: true });
    try {
      const count = () => (other.prepare("SELECT count(*) AS n FROM oidc_payloads WHERE model = 'AccessToken'").get() as { n: number }).n;
      const writes = Array.from({ length: 20 }, (_, i) => storage.oidc.upsert('AccessToken', `t${i}`, { n: i }, Date.now() + 60_000));
      // Nothing is written before the event loop's turn ends; once the promises settle, all of it is.
      expect(count()).toBe(0);
      await Promise.all(writes);
      expect(count()).toBe(20);
      const consumed = await Promise.all([storage.oidc.consume('AccessToken', 't3', 1), storage.oidc.consume('AccessToken', 't3', 2)]);
      expect(consumed.sort()).toEqual([false, true]);
      expect((other.prepare("SELECT consumed_at FROM oidc_payloads WHERE id = 't3'").get() as { consumed_at: number }).consumed_at).toBe(1);
    } finally {
      other.close();
      await storage.close();
    }
  });
});
