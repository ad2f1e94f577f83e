import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { loadSettings } from '../../src/config/settings.js';
import { createIdp, type Idp, type IdpOptions } from '../../src/app.js';
import { createLogger } from '../../src/log/logger.js';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface TestIdp extends Idp {
  url: string;
  dataDir: string;
  keysDir: string;
  /** Every log line written so far, as text. */
  logs(): string;
  /** Stops the server; `keepFiles` leaves data and keys for a restart. */
  stop(options?: { keepFiles?: boolean }): Promise<void>;
}

/** Starts the real server on a free port with its own data and keys directories. */
export async function startIdp(
  env: Record<string, string> = {},
  dirs?: { dataDir: string; keysDir: string },
  options: Omit<IdpOptions, 'logger'> = {},
): Promise<TestIdp> {
  const root = dirs ? null : mkdtempSync(path.join(os.tmpdir(), 'idp-test-'));
  const dataDir = dirs?.dataDir ?? path.join(root!, 'data');
  const keysDir = dirs?.keysDir ?? path.join(root!, 'keys');
  const port = await freePort();
  const settings = loadSettings({
    PORT: String(port),
    DATA_DIR: dataDir,
    KEYS_DIR: keysDir,
    BCRYPT_COST: '4',
    LOG_LEVEL: 'info',
    // The pool is the test runner's own; the priority is proven in a process of its own (thread-priority.test.ts).
    HASHING_THREAD_NICE: '0',
    ...env,
  });
  let captured = '';
  const sink = new Writable({
    write(chunk, _encoding, done) {
      captured += chunk.toString();
      done();
    },
  });
  const idp = await createIdp(settings, { ...options, logger: createLogger(settings.logLevel, sink) });
  const url = await idp.listen();
  return Object.assign(idp, {
    url,
    dataDir,
    keysDir,
    logs: () => captured,
    async stop(options: { keepFiles?: boolean } = {}) {
      await idp.close();
      // Give keep-alive clients in this process a moment to see their sockets closed before a restart reuses the port.
      await new Promise((resolve) => setTimeout(resolve, 50));
      if (root && !options.keepFiles) rmSync(root, { recursive: true, force: true });
    },
  });
}
