import { Worker } from 'node:worker_threads';

/**
 * How often the checkpoint thread copies the write-ahead log into the database file. Between
 * two checkpoints the log holds what was committed meanwhile (a few MB at full load).
 */
export const CHECKPOINT_INTERVAL_MS = 500;

/**
 * The thread's own code: a second connection to the same file that runs a PASSIVE checkpoint
 * (it never waits for a lock, never blocks a reader or writer) on a timer, then syncs the file.
 * Inline (eval) so that it runs the same from dist/ and from the sources under the test runner.
 */
const WORKER_SOURCE = `
const { DatabaseSync } = require('node:sqlite');
const { parentPort, workerData } = require('node:worker_threads');
const db = new DatabaseSync(workerData.file);
db.exec('PRAGMA busy_timeout = 0');
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
const timer = setInterval(() => {
  try {
    const { log, checkpointed } = checkpoint.get();
    parentPort.postMessage({ log, checkpointed });
  } catch {
    // Busy (another checkpoint runs) or a failing file: the next tick tries again.
  }
}, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

export interface CheckpointReport {
  /** Frames in the log, and how many of them are now in the database file. */
  log: number;
  checkpointed: number;
}

/**
 * Checkpoints a WAL database from its own thread, so that the copy and its fsync never hold up
 * the event loop (SQLite's automatic checkpoint runs inside the COMMIT that crosses the
 * threshold, on the thread that commits). The serving connection keeps a high automatic
 * threshold as a backstop, should this thread fall behind or fail.
 */
export class Checkpointer {
  private readonly worker: Worker;
  private readonly listeners = new Set<(report: CheckpointReport) => void>();
  readonly stopped: Promise<void>;

  constructor(file: string, onFailure: () => void, intervalMs = CHECKPOINT_INTERVAL_MS) {
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, intervalMs } });
    // The thread never keeps the process alive on its own.
    this.worker.unref();
    this.worker.on('message', (report: CheckpointReport) => {
      for (const listener of this.listeners) listener(report);
    });
    this.worker.on('error', onFailure);
    this.stopped = new Promise((resolve) => this.worker.once('exit', () => resolve()));
  }

  /** Called after each checkpoint (tests watch the log being emptied). */
  onReport(listener: (report: CheckpointReport) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The thread closes its connection and ends; `stopped` settles then. */
  stop(): void {
    // Kept alive again until the thread has closed its connection, so that awaiting `stopped` settles.
    this.worker.ref();
    this.worker.postMessage('stop');
  }
}
