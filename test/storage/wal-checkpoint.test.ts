import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Database } from '../../src/storage/sqlite/database.js';
import type { CheckpointReport } from '../../src/storage/sqlite/checkpointer.js';

/** About 2 MB of committed rows, far below the serving connection's own backstop threshold (about 40 MB). */
function writeRound(db: Database, round: number): void {
  db.transaction(() => {
    for (let i = 0; i < 500; i += 1) db.run('INSERT INTO heartbeat_blobs (k, v) VALUES (?, ?)', [`${round}-${i}`, 'x'.repeat(4000)]);
  });
}

/** The next report of the checkpoint thread that has copied the whole log into the database file. */
function fullCheckpoint(db: Database): Promise<CheckpointReport> {
  return new Promise((resolve) => {
    const stop = db.checkpointer!.onReport((report) => {
      if (report.log > 0 && report.checkpointed === report.log) {
        stop();
        resolve(report);
      }
    });
  });
}

describe('the write-ahead log of a SQLite file', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'idp-wal-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('is checkpointed by its own thread, started once writes fill the log, and does not grow without bound', async () => {
    const file = path.join(dir, 'wal.sqlite');
    const db = Database.open(file);
    db.db.exec('CREATE TABLE heartbeat_blobs (k TEXT PRIMARY KEY, v TEXT NOT NULL)');
    // An idle store has no thread (it costs an isolate); the first megabytes of log start it.
    expect(db.checkpointer).toBeNull();
    writeRound(db, -1);
    for (let i = 0; i < 100 && !db.checkpointer; i += 1) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(db.checkpointer).not.toBeNull();
    const sizeBefore = statSync(file).size;
    const rounds = 10;
    for (let round = 0; round < rounds; round += 1) {
      const checkpointed = fullCheckpoint(db);
      writeRound(db, round);
      await checkpointed;
    }
    // Every round reached the database file itself (the backstop alone would have left it all in the log).
    expect(statSync(file).size - sizeBefore).toBeGreaterThan(rounds * 500 * 4000);
    // The log is reused and cut back: well below the ~20 MB written through it.
    expect(statSync(`${file}-wal`).size).toBeLessThan(10 * 1024 * 1024);
    const { n } = db.get<{ n: number }>('SELECT count(*) AS n FROM heartbeat_blobs')!;
    expect(n).toBe((rounds + 1) * 500);
    db.close();
    await db.checkpointer!.stopped;
  }, 60_000);

  test('a file opened again after close holds every committed write', async () => {
    const file = path.join(dir, 'reopen.sqlite');
    const db = Database.open(file);
    db.db.exec('CREATE TABLE heartbeat_blobs (k TEXT PRIMARY KEY, v TEXT NOT NULL)');
    writeRound(db, 0);
    db.startCheckpointer();
    db.close();
    await db.checkpointer!.stopped;
    const again = Database.open(file);
    expect(again.get<{ n: number }>('SELECT count(*) AS n FROM heartbeat_blobs')!.n).toBe(500);
    // Opened and read only: no thread was started.
    expect(again.checkpointer).toBeNull();
    again.close();
  });
});
