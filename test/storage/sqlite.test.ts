import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openSqliteStorage } from '../../src/storage/sqlite/index.js';
import { storageContract } from './contract.js';

describe('SQLite storage (a real file)', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'idp-sqlite-'));
  let n = 0;
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  storageContract(async () => openSqliteStorage(path.join(dir, `store-${(n += 1)}.sqlite`)));
});
