// Speed and memory figures for the README: `npm run bench` (builds, then runs this with --expose-gc).
// Every section starts from empty data and keys directories. The load generator runs in the
// same process as the server, so the request rates are a lower bound for a dedicated server.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { createIdp } from '../dist/app.js';
import { loadSettings } from '../dist/config/settings.js';
import { createLogger } from '../dist/log/logger.js';
import { PasswordHasher } from '../dist/accounts/password-hasher.js';
import { createServices } from '../dist/services.js';
import { SQLITE_FILE_NAME, openStorage } from '../dist/storage/open.js';
import { newId } from '../dist/storage/ids.js';

const PASSWORD = 'correct horse battery';
const REDIRECT_URI = 'http://localhost:8123/callback';
const rows = [];
const row = (metric, value) => rows.push([metric, value]);

// ---------- helpers ----------

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/** One HTTP request over the shared keep-alive agent; resolves with status, headers and text body. */
function request(url, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent, headers: body ? { ...headers, 'content-length': Buffer.byteLength(body) } : headers }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

function expectStatus(response, status, what) {
  if (response.status !== status) throw new Error(`${what}: HTTP ${response.status}\n${response.text.slice(0, 500)}`);
  return response;
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/**
 * Runs `task` from `concurrency` workers for `seconds` (after an unmeasured warm-up). Reports rate,
 * latencies and process CPU time per task (all threads, load generator included), which unlike the
 * rate does not depend on what else the machine is doing.
 */
async function load(task, { concurrency, seconds, warmup = 1 }) {
  const run = async (duration) => {
    const latencies = [];
    const cpu = process.cpuUsage();
    const started = performance.now();
    const end = started + duration * 1000;
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const t = performance.now();
        await task();
        latencies.push(performance.now() - t);
      }
    }));
    const { user, system } = process.cpuUsage(cpu);
    return { latencies, elapsed: (performance.now() - started) / 1000, cpuMs: (user + system) / 1000 };
  };
  if (warmup) await run(warmup);
  const { latencies, elapsed, cpuMs } = await run(seconds);
  latencies.sort((a, b) => a - b);
  const count = latencies.length;
  return { count, rate: count / elapsed, p50: percentile(latencies, 50), p99: percentile(latencies, 99), cpuMs: cpuMs / count };
}

const fmtRate = (n) => n.toLocaleString('en-US', { maximumFractionDigits: n < 100 ? 1 : 0 });
const fmtMs = (ms) => (ms < 1 ? `${Math.round(ms * 1000)} µs` : `${ms.toFixed(ms < 10 ? 2 : 1)} ms`);
const fmtMb = (bytes) => `${(bytes / 1048576).toFixed(1)} MB`;

function reportLoad(label, unit, { rate, p50, p99, cpuMs, count }, concurrency) {
  row(`${label}, concurrency ${concurrency}`,
    `${fmtRate(rate)} ${unit}/s · p50 ${fmtMs(p50)} · p99 ${fmtMs(p99)} · CPU ${fmtMs(cpuMs)}/${unit} · n=${count.toLocaleString('en-US')}`);
}

function memory() {
  globalThis.gc?.();
  const { rss, heapUsed } = process.memoryUsage();
  return `${fmtMb(rss)} RSS / ${fmtMb(heapUsed)} heap used${globalThis.gc ? '' : ' (no --expose-gc)'}`;
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer().once('error', reject);
    server.listen(0, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** The real server on a free port, with fresh temporary data and keys directories and silent logs. */
async function startIdp(env = {}) {
  const root = mkdtempSync(path.join(os.tmpdir(), 'idp-bench-'));
  const settings = loadSettings({
    PORT: String(await freePort()), DATA_DIR: path.join(root, 'data'), KEYS_DIR: path.join(root, 'keys'), LOG_LEVEL: 'silent',
    // All load comes from one address here; the per-address throttles would measure themselves.
    LOGIN_RATE_LIMIT: '100000',
    INTERACTION_RATE_LIMIT: '1000000',
    ...env,
  });
  const idp = await createIdp(settings);
  const url = await idp.listen();
  return { idp, url, async stop() { await idp.close(); rmSync(root, { recursive: true, force: true }); } };
}

/** An account record as AccountService.create would write it, with a precomputed password hash. */
function accountRecord(tenantId, email, passwordHash) {
  const now = new Date().toISOString();
  return {
    id: newId(), tenantId, email, emailNormalized: email, name: null, passwordHash, state: 'active',
    lockedReason: null, lockedAt: null, failedAttempts: 0, lastLoginAt: null, createdAt: now, updatedAt: now,
  };
}

/** A tenant with `count` active accounts sharing one password (hashed once at `cost`); returns their e-mails. */
async function seedAccounts(services, storage, count, cost) {
  const tenant = await services.tenants.create({ slug: 'bench', name: 'Bench', domains: [] });
  const hash = await new PasswordHasher(cost).hash(PASSWORD);
  const emails = Array.from({ length: count }, (_, i) => `user${i}@bench.example`);
  for (const email of emails) await storage.accounts.insert(accountRecord(tenant.id, email, hash));
  return { tenant, emails };
}

const pick = (list) => list[Math.floor(Math.random() * list.length)];
const basicAuth = (id, secret) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
const form = (fields) => new URLSearchParams(fields).toString();
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

/** A cookie-keeping browser stand-in that follows same-origin redirects (like test/support/form-client.ts). */
function browser(base) {
  const origin = new URL(base).origin;
  const cookies = new Map();
  async function send(url, init = {}) {
    const headers = { ...init.headers };
    if (cookies.size) headers.cookie = [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const response = await request(new URL(url, base), { ...init, headers });
    for (const line of response.headers['set-cookie'] ?? []) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      const value = pair.slice(eq + 1).trim();
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) cookies.delete(pair.slice(0, eq).trim());
      else cookies.set(pair.slice(0, eq).trim(), value);
    }
    return response;
  }
  return {
    /** Returns the last same-origin response and the first off-site Location (or null). */
    async follow(url, init) {
      let response = await send(url, init);
      let location = response.headers.location;
      while (location && new URL(location, base).origin === origin) {
        response = await send(new URL(location, base));
        location = response.headers.location;
      }
      return { response, location: location ?? null };
    },
  };
}

function formAction(html, suffix) {
  const match = new RegExp(`<form method="post" action="([^"]*${suffix})"`).exec(html);
  if (!match) throw new Error(`no form posting to …${suffix}:\n${html.slice(0, 500)}`);
  return match[1];
}

/** Authorization code + PKCE through the hosted login forms, then the code exchange at /token. */
async function signIn(url, client, secret, email) {
  const verifier = randomBytes(32).toString('base64url');
  const state = randomBytes(8).toString('hex');
  const auth = new URL('/auth', url);
  auth.search = form({
    client_id: client.id, redirect_uri: REDIRECT_URI, response_type: 'code', scope: 'openid email', state,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256',
  });
  const b = browser(url);
  const start = await b.follow(auth);
  const csrf = /name="csrf" value="([^"]+)"/.exec(start.response.text)?.[1];
  if (!csrf) throw new Error(`no login form:\n${start.response.text.slice(0, 500)}`);
  const afterEmail = await b.follow(formAction(start.response.text, '/email'), { method: 'POST', headers: FORM, body: form({ csrf, email }) });
  const done = await b.follow(formAction(afterEmail.response.text, '/password'), { method: 'POST', headers: FORM, body: form({ csrf, email, password: PASSWORD }) });
  const callback = done.location && new URL(done.location);
  if (!callback || callback.searchParams.get('state') !== state || !callback.searchParams.get('code')) {
    throw new Error(`sign-in did not return a code: ${done.location ?? done.response.status}`);
  }
  const token = await request(new URL('/token', url), {
    method: 'POST',
    headers: { ...FORM, authorization: basicAuth(client.id, secret) },
    body: form({ grant_type: 'authorization_code', code: callback.searchParams.get('code'), redirect_uri: REDIRECT_URI, code_verifier: verifier }),
  });
  if (!JSON.parse(expectStatus(token, 200, 'code exchange').text).id_token) throw new Error('no id_token');
}

// ---------- sections ----------

async function discoveryAndJwks() {
  const { url, stop } = await startIdp();
  row('Memory after start (post-GC)', memory());
  for (const [label, pathname] of [['Discovery', '/.well-known/openid-configuration'], ['JWKS', '/jwks']]) {
    const target = new URL(pathname, url);
    const result = await load(async () => expectStatus(await request(target), 200, label), { concurrency: 32, seconds: 5 });
    reportLoad(`${label} (GET ${pathname})`, 'req', result, 32);
  }
  await stop();
}

async function clientCredentials() {
  const { idp, url, stop } = await startIdp();
  const { client, secret } = await idp.services.clients.create({ name: 'Bench admin', admin: true });
  const target = new URL('/token', url);
  const init = { method: 'POST', headers: { ...FORM, authorization: basicAuth(client.id, secret) }, body: form({ grant_type: 'client_credentials', scope: 'admin' }) };
  const result = await load(async () => expectStatus(await request(target, init), 200, 'client_credentials'), { concurrency: 32, seconds: 5 });
  reportLoad('Client-credentials token (POST /token, scope admin)', 'token', result, 32);
  await stop();
}

async function interactiveSignIn(cost, seconds, { measureMemory = false } = {}) {
  const { idp, url, stop } = await startIdp({ BCRYPT_COST: String(cost) });
  const { emails } = await seedAccounts(idp.services, idp.storage, 200, cost);
  const { client, secret } = await idp.services.clients.create({ name: 'Bench app', redirectUris: [REDIRECT_URI], firstParty: true });
  const result = await load(() => signIn(url, client, secret, pick(emails)), { concurrency: 4, seconds, warmup: 0.5 });
  reportLoad(`Interactive sign-in (code + PKCE via login forms + code exchange), bcrypt cost ${cost}`, 'sign-in', result, 4);
  if (measureMemory) {
    row('Memory after the load runs (post-GC)', memory());
    row('Peak RSS during the run', fmtMb(process.resourceUsage().maxRSS * 1024));
  }
  await stop();
}

async function storageLookups() {
  const root = mkdtempSync(path.join(os.tmpdir(), 'idp-bench-'));
  const settings = loadSettings({ DATA_DIR: root, KEYS_DIR: path.join(root, 'keys'), BCRYPT_COST: '4', LOG_LEVEL: 'silent' });
  const storage = await openStorage(settings);
  const services = createServices(storage, settings, createLogger('silent'));
  const seeding = performance.now();
  const { tenant, emails } = await seedAccounts(services, storage, 10_000, 4);
  row('SQLite: seed 10,000 accounts (one insert each)', `${((performance.now() - seeding) / 1000).toFixed(2)} s`);
  const result = await load(async () => {
    if (!(await storage.accounts.findByEmail(tenant.id, pick(emails)))) throw new Error('account not found');
  }, { concurrency: 1, seconds: 3 });
  reportLoad('SQLite: account lookup by e-mail among 10,000 accounts', 'lookup', result, 1);
  const db = new DatabaseSync(path.join(root, SQLITE_FILE_NAME), { readOnly: true });
  const plan = db.prepare('EXPLAIN QUERY PLAN SELECT doc FROM accounts WHERE tenant_id = ? AND email_normalized = ?').all('t', 'e');
  row('SQLite: lookup query plan', `\`${plan.map((step) => step.detail).join('; ')}\``);
  db.close();
  await storage.close();
  rmSync(root, { recursive: true, force: true });
}

// ---------- run ----------

const began = performance.now();
const loadAtStart = os.loadavg()[0];
await discoveryAndJwks();
await clientCredentials();
await interactiveSignIn(12, 12);
await interactiveSignIn(10, 8, { measureMemory: true });
await storageLookups();
agent.destroy();

const cpus = os.cpus();
const table = [
  '| metric | value |',
  '| --- | --- |',
  ...rows.map(([metric, value]) => `| ${metric} | ${value} |`),
].join('\n');
const report = `# Benchmark results

- Node ${process.version} on ${os.platform()} ${os.arch()}
- CPU: ${cpus[0]?.model.trim() ?? 'unknown'}, ${cpus.length} cores; ${fmtMb(os.totalmem())} RAM; 1-min load average at start ${loadAtStart.toFixed(2)}
- Date: ${new Date().toISOString()}; total run ${((performance.now() - began) / 1000).toFixed(0)} s
- Load generator in the same process as the server (numbers are a lower bound); HTTP/1.1 keep-alive;
  SQLite store; each section on fresh data and keys; libuv threadpool ${process.env.UV_THREADPOOL_SIZE ?? 4} (bcrypt runs there)

${table}
`;
writeFileSync(new URL('./results.md', import.meta.url), report);
console.log(report);
