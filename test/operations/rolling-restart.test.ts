import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../support/server.js';
import { SwitchProxy } from '../support/switch-proxy.js';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A rolling restart under load: two server processes on one SQLite file behind a round-robin
 * proxy that routes on /readyz; each in turn gets SIGTERM (reports draining for
 * SHUTDOWN_DELAY_SECONDS while still serving, then stops accepting, finishes what it serves and
 * closes the store) and is started again, while token requests keep coming. None of them may
 * fail: without the delay, a POST that reaches the listen queue as it closes is reset.
 */
describe('rolling restart of two nodes behind a round-robin proxy', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'idp-rolling-'));
  let env: Record<string, string>;
  let ports: number[];
  let proxy: SwitchProxy;
  let issuer: string;
  const nodes: (ChildProcess | undefined)[] = [];
  let logs = '';

  function start(index: number): ChildProcess {
    const child = spawn(process.execPath, ['dist/main.js'], {
      env: { ...process.env, ...env, PORT: String(ports[index]) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (chunk: Buffer) => (logs += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (logs += chunk.toString()));
    nodes[index] = child;
    return child;
  }

  async function ready(index: number) {
    for (let i = 0; i < 200; i += 1) {
      try {
        if ((await fetch(`http://localhost:${ports[index]}/readyz`)).ok) return;
      } catch {
        /* not listening yet */
      }
      await sleep(50);
    }
    throw new Error(`node ${index} did not become ready:\n${logs}`);
  }

  beforeAll(async () => {
    if (!existsSync(path.resolve('dist/main.js'))) throw new Error('dist/main.js is missing: run npm run build (npm test does)');
    ports = [await freePort(), await freePort()];
    const proxyPort = await freePort();
    issuer = `http://localhost:${proxyPort}`;
    env = {
      ISSUER: issuer,
      ALLOWED_HOSTS: ports.map((p) => `localhost:${p}`).join(','),
      DATA_DIR: path.join(root, 'data'),
      KEYS_DIR: path.join(root, 'keys'),
      ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
      KEY_STORE: 'database',
      BCRYPT_COST: '4',
      LOG_LEVEL: 'warn',
      SHUTDOWN_TIMEOUT_SECONDS: '10',
      // Long enough for the proxy's next readiness probe: it stops sending before the listener closes.
      SHUTDOWN_DELAY_SECONDS: '1',
    };
    start(0);
    await ready(0);
    start(1);
    await ready(1);
    proxy = new SwitchProxy(ports);
    proxy.roundRobin = true;
    proxy.routeOnReadiness(100);
    await proxy.listen(proxyPort);
  }, 60_000);

  afterAll(async () => {
    for (const node of nodes) node?.kill('SIGTERM');
    await proxy?.close();
    rmSync(root, { recursive: true, force: true });
  });

  test('token requests and discovery keep succeeding while each node is restarted in turn', async () => {
    const created = JSON.parse(
      (
        await run(
          process.execPath,
          ['bin/idp.js', 'client', 'create', '--name', 'Load', '--redirect-uri', 'http://localhost:8123/cb', '--admin', '--json'],
          { env: { ...process.env, ...env } },
        )
      ).stdout,
    ) as { client: { id: string }; secret: string };
    const basic = `Basic ${Buffer.from(`${encodeURIComponent(created.client.id)}:${encodeURIComponent(created.secret)}`).toString('base64')}`;

    let stop = false;
    const outcomes: number[] = [];
    const failures: string[] = [];
    async function worker() {
      while (!stop) {
        try {
          const response = await fetch(`${issuer}/token`, {
            method: 'POST',
            headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
            body: 'grant_type=client_credentials&scope=admin',
          });
          const body = (await response.json()) as { access_token?: string };
          outcomes.push(response.status);
          if (response.status !== 200 || !body.access_token) failures.push(`token ${response.status}`);
          const discovery = await fetch(`${issuer}/.well-known/openid-configuration`);
          outcomes.push(discovery.status);
          if (discovery.status !== 200) failures.push(`discovery ${discovery.status}`);
        } catch (error) {
          failures.push(String(error));
        }
      }
    }
    const workers = Array.from({ length: 4 }, () => worker());

    for (const index of [0, 1]) {
      await sleep(300);
      const old = nodes[index]!;
      const exited = new Promise<number | null>((resolve) => old.once('exit', resolve));
      old.kill('SIGTERM');
      await sleep(200);
      // Draining: not ready, yet still answering what is sent to it directly.
      const readiness = await fetch(`http://localhost:${ports[index]}/readyz`);
      expect(readiness.status).toBe(503);
      expect(await readiness.json()).toMatchObject({ status: 'draining' });
      const direct = await fetch(`http://localhost:${ports[index]}/token`, {
        method: 'POST',
        headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials&scope=admin',
      });
      expect(direct.status).toBe(200);
      expect(await exited).toBe(0);
      start(index);
      await ready(index);
    }
    await sleep(300);
    stop = true;
    await Promise.all(workers);

    expect(failures).toEqual([]);
    expect(outcomes.length).toBeGreaterThan(40);
    expect(outcomes.every((s) => s === 200)).toBe(true);
    expect(logs).not.toMatch(/"level":50/);
  }, 60_000);
});
