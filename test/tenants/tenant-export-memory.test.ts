import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { openSqliteStorage } from '../../src/storage/sqlite/index.js';
import { SQLITE_FILE_NAME } from '../../src/storage/open.js';
import { runCli } from '../../src/cli/run.js';
import { aTenant, anAccount } from '../storage/contract.js';

const ACCOUNTS = 100_000;
const MB = 1024 * 1024;

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

    const before = process.memoryUsage().heapUsed;
    let peak = before;
    let bytes = 0;
    let lines = 0;
    const code = await runCli(['tenant', 'export', '--tenant', 'big'], {
      env: { DATA_DIR: dataDir, KEYS_DIR: path.join(root, 'keys') },
      stdout: {
        write: (text: string) => {
          bytes += Buffer.byteLength(text);
          lines += 1;
          if (lines % 2000 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed);
          return true;
        },
      },
      stderr: { write: () => true },
      readStdin: async () => '',
    });
    expect(code).toBe(0);
    expect(lines).toBe(ACCOUNTS + 4); // export, tenant, the accounts, one audit event (the export itself), end
    expect(bytes).toBeGreaterThan(40 * MB);
    // Holding the export (or the accounts) in memory would grow the heap by more than its size.
    process.stdout.write(`export ${Math.round(bytes / MB)} MB, heap growth at most ${Math.round((peak - before) / MB)} MB\n`);
    expect(peak - before).toBeLessThan(bytes / 2);
  }, 120_000);
});
