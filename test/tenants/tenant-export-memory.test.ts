import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import v8 from 'node:v8';
import vm from 'node:vm';
import { openSqliteStorage } from '../../src/storage/sqlite/index.js';
import { SQLITE_FILE_NAME } from '../../src/storage/open.js';
import { runCli } from '../../src/cli/run.js';
import { aTenant, anAccount } from '../storage/contract.js';

const ACCOUNTS = 100_000;
const MB = 1024 * 1024;

/** A full collection, so what is measured is what the export keeps alive, not garbage not yet collected. */
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
const liveHeap = () => {
  gc();
  return process.memoryUsage().heapUsed;
};

describe('a tenant export streams: memory stays flat for 100,000 accounts', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'idp-export-mem-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  test('the heap grows far less than the export is long (loosely: no timing, no exact numbers)', async () => {
    const dataDir = path.join(root, 'data');
    const file = path.join(dataDir, SQLITE_FILE_NAME);
    const tenant = aTenant({ slug: 'big' });
    const storage = openSqliteStorage(file);
    await storage.tenants.insert(tenant);
    await storage.close();
    // Bulk-loaded in one transaction: the point is the export, not the load.
    const db = new DatabaseSync(file);
    const insert = db.prepare('INSERT INTO accounts (id, tenant_id, email_normalized, doc) VALUES (?, ?, ?, ?)');
    db.exec('BEGIN');
    for (let i = 0; i < ACCOUNTS; i += 1) {
      const account = anAccount(tenant.id, { email: `person-${i}@big.example`, name: `Person number ${i} with a name of some length` });
      insert.run(account.id, tenant.id, account.emailNormalized, JSON.stringify(account));
    }
    db.exec('COMMIT');
    db.close();

    const before = liveHeap();
    let peak = before;
    let bytes = 0;
    let lines = 0;
    const code = await runCli(['tenant', 'export', '--tenant', 'big'], {
      env: { DATA_DIR: dataDir, KEYS_DIR: path.join(root, 'keys') },
      stdout: {
        write: (text: string) => {
          bytes += Buffer.byteLength(text);
          lines += 1;
          if (lines % 5000 === 0) peak = Math.max(peak, liveHeap());
          return true;
        },
      },
      stderr: { write: () => true },
      readStdin: async () => '',
    });
    expect(code).toBe(0);
    expect(lines).toBe(ACCOUNTS + 4); // export, tenant, the accounts, one audit event (the export itself), end
    expect(bytes).toBeGreaterThan(40 * MB);
    // Holding the export (or the accounts) in memory would keep more than its size alive.
    process.stdout.write(`export ${Math.round(bytes / MB)} MB, heap growth at most ${Math.round((peak - before) / MB)} MB\n`);
    expect(peak - before).toBeLessThan(bytes / 5);
  }, 120_000);
});
