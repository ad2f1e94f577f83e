import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { startIdp, type TestIdp } from '../support/server.js';
import { adminToken, api, clientCredentialsRequest } from '../support/admin-client.js';
import { authorizationUrl } from '../support/fixtures.js';
import { createAdapterClass } from '../../src/oidc/adapter.js';

/** Another process (as the sqlite3 shell or a long CLI write would) takes the write lock and keeps it. */
const HOLD_LOCK = `
import { DatabaseSync } from 'node:sqlite';
const db = new DatabaseSync(process.env.LOCK_FILE);
db.exec('BEGIN IMMEDIATE');
process.stdout.write('locked\\n');
process.stdin.resume();
process.stdin.on('end', () => { db.exec('ROLLBACK'); db.close(); });
`;

async function holdWriteLock(file: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', HOLD_LOCK], {
    env: { ...process.env, LOCK_FILE: file },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  await once(child.stdout!, 'data');
  return child;
}

async function release(child: ChildProcess): Promise<void> {
  const exited = once(child, 'exit');
  child.stdin!.end();
  await exited;
}

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await work();
  return { ms: performance.now() - started, value };
}

describe('a write lock held by another process', () => {
  let idp: TestIdp;
  let lock: ChildProcess | undefined;

  beforeAll(async () => {
    idp = await startIdp();
  });
  afterAll(async () => {
    if (lock) await release(lock);
    await idp.stop();
  });

  test('keeps /healthz fast, turns writes into 503 with Retry-After on pages, provider endpoints and the admin API, and /readyz into 503', async () => {
    const admin = await adminToken(idp);
    const call = api(idp.url, admin.token);
    const { client } = await idp.services.clients.create({ name: 'App', redirectUris: ['http://localhost:8123/cb'], firstParty: true });
    lock = await holdWriteLock(path.join(idp.dataDir, 'idp.sqlite'));

    const writes = Promise.all([
      call('POST', '/tenants', { slug: 'locked', name: 'Locked AB' }),
      clientCredentialsRequest(idp.url, admin.clientId, admin.secret, 'admin').then(async (r) => ({
        status: r.status,
        retryAfter: r.headers.get('retry-after'),
        body: (await r.json()) as { error?: string },
      })),
      fetch(authorizationUrl(idp.url, client.id, 'http://localhost:8123/cb'), {
        redirect: 'manual',
        headers: { 'accept-language': 'en' },
      }).then(async (r) => ({ status: r.status, retryAfter: r.headers.get('retry-after'), html: await r.text() })),
    ]);
    // Probed while the writes wait for the lock: before, each write held the event loop for the 5 s busy timeout.
    const probes = [];
    for (let i = 0; i < 5; i += 1) {
      probes.push(await timed(() => fetch(`${idp.url}/healthz`).then((r) => r.status)));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const readiness = await timed(() =>
      fetch(`${idp.url}/readyz`).then(async (r) => ({ status: r.status, retryAfter: r.headers.get('retry-after'), body: await r.json() })),
    );
    const [adminWrite, token, page] = await writes;

    for (const probe of probes) expect(probe).toEqual({ ms: expect.any(Number), value: 200 });
    expect(Math.max(...probes.map((p) => p.ms))).toBeLessThan(1000);

    expect(adminWrite.status).toBe(503);
    expect(adminWrite.type).toContain('application/problem+json');
    expect(adminWrite.body).toMatchObject({ status: 503, type: 'urn:idp:problem:temporarily_unavailable' });
    expect(Number(adminWrite.headers.get('retry-after'))).toBeGreaterThan(0);

    expect(token.status).toBe(503);
    expect(token.body.error).toBe('temporarily_unavailable');
    expect(Number(token.retryAfter)).toBeGreaterThan(0);

    expect(page.status).toBe(503);
    expect(page.html).toContain('The service is busy right now');
    expect(Number(page.retryAfter)).toBeGreaterThan(0);

    // Under oidc-provider's models a busy store is a 503 refusal, which our pages log: with where it happened.
    const Adapter = createAdapterClass(idp.storage.oidc, idp.storage.clients);
    const refusal = await new Adapter('Session').upsert('session-under-lock', { kind: 'Session' }, 60).then(
      () => null,
      (error: unknown) => error as Error & { status?: number },
    );
    expect(refusal).toMatchObject({ status: 503, error: 'temporarily_unavailable' });
    expect(refusal!.stack).toMatch(/^TemporarilyUnavailable: temporarily_unavailable\n {4}at /);

    expect(readiness.value.status).toBe(503);
    expect(readiness.value.body).toMatchObject({ status: 'unavailable', failing: 'write' });
    expect(Number(readiness.value.retryAfter)).toBeGreaterThan(0);
    expect(readiness.ms).toBeLessThan(1000);
  });

  test('once the lock is released, writes go through and /readyz says ready again', async () => {
    await release(lock!);
    lock = undefined;
    const { status } = await api(idp.url, (await adminToken(idp)).token)('POST', '/tenants', { slug: 'unlocked', name: 'Unlocked AB' });
    expect(status).toBe(201);
    let ready = 0;
    for (const deadline = Date.now() + 5000; Date.now() < deadline && ready !== 200;) {
      ready = (await fetch(`${idp.url}/readyz`)).status;
      if (ready !== 200) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(ready).toBe(200);
  });
});
