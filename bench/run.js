// `npm run bench`: the service and bare oidc-provider (the ceiling of the stack), each as its own
// process pinned to CPU 0 where taskset exists, driven over HTTP from this process (pinned to CPU 1)
// with autocannon, in the same run, with the same key types. Ratios hold on a noisy machine;
// absolute rates do not. Writes bench/results/<date>.json, latest.md and latest.svg.
import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { totpCode } from '../dist/mfa/totp.js';
import { loadSettings } from '../dist/config/settings.js';
import { writeReport } from './report.js';

const here = import.meta.dirname;
/** The V8 flags production runs with (`npm start`, the Dockerfile): both servers get them. */
const NODE_FLAGS = JSON.parse(readFileSync(path.join(here, '..', 'package.json'), 'utf8'))
  .scripts.start.split(' ')
  .filter((word) => word.startsWith('--'));
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const SIGN_IN_SECONDS = Number(process.env.BENCH_SIGN_IN_SECONDS ?? 10);
const BCRYPT_COST = process.env.BENCH_BCRYPT_COST ?? '12';
const THREADPOOL = process.env.UV_THREADPOOL_SIZE ?? '4';
/** The server's own setting (its default unless HASHING_THREAD_NICE is set), for it and for the raw-bcrypt baseline. */
const HASHING_NICE = loadSettings({ HASHING_THREAD_NICE: process.env.HASHING_THREAD_NICE }).hashingThreadNice;
const SCALE = Number(process.env.BENCH_SCALE ?? 100_000);
const CONNECTIONS = 32;
/** Each scenario's SECONDS per server are run as this many alternating slices (see compare). */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
/** BENCH_QUICK=1: only the ours/bare scenarios (for profiling a change), nothing written. */
const QUICK = process.env.BENCH_QUICK === '1';
const pinned = existsSync('/usr/bin/taskset') && os.cpus().length >= 2;
if (pinned) execFileSync('taskset', ['-cp', '1', String(process.pid)], { stdio: 'ignore' });

// ---------- processes ----------

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer().once('error', reject);
    server.listen(0, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Starts a server script as its own process (on CPU 0) and waits for the JSON line it prints. */
async function startServer(script, env = {}) {
  const root = mkdtempSync(path.join(os.tmpdir(), 'idp-bench-'));
  const port = await freePort();
  const args = ['--expose-gc', ...NODE_FLAGS, path.join(here, 'servers', script)];
  const child = spawn(pinned ? 'taskset' : process.execPath, pinned ? ['-c', '0', process.execPath, ...args] : args, {
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      UV_THREADPOOL_SIZE: THREADPOOL,
      PORT: String(port),
      DATA_DIR: path.join(root, 'data'),
      KEYS_DIR: path.join(root, 'keys'),
      LOG_LEVEL: 'warn',
      BCRYPT_COST,
      HASHING_THREAD_NICE: String(HASHING_NICE),
      // All load comes from one address here; the per-address throttles would measure themselves.
      LOGIN_RATE_LIMIT: '100000',
      ...(process.env.BENCH_CPU_PROF ? { BENCH_CPU_PROF: process.env.BENCH_CPU_PROF } : {}),
      ...(process.env.BENCH_BARE_STORE ? { BENCH_BARE_STORE: process.env.BENCH_BARE_STORE } : {}),
      INTERACTION_RATE_LIMIT: '1000000',
      // Each slice's end drops the refresh tokens of the requests still in flight (up to one per
      // connection): enough rotating chains that many slices do not run out of them.
      BENCH_REFRESH_CHAINS: String(Math.max(400, 2 * CONNECTIONS * ROUNDS)),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // A failed run must not leave its servers behind.
  process.once('exit', () => child.kill('SIGKILL'));
  let out = '';
  const info = await new Promise((resolve, reject) => {
    // Log lines (JSON with a level) may come first; the server's own line names its url.
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const line = out.split('\n').find((l) => l.startsWith('{"url"'));
      if (line) resolve(JSON.parse(line));
    });
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  // The Node process itself (under taskset it is the same pid: taskset execs).
  const status = () => readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const kb = (field) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status())?.[1] ?? 0) * 1024;
  return {
    ...info,
    rss: () => kb('VmRSS'),
    peakRss: () => kb('VmHWM'),
    dataFile: path.join(root, 'data', 'idp.sqlite'),
    /** Starts the server's event-loop delay histogram afresh (our server only). */
    resetLoopDelay: () => child.kill('SIGUSR2'),
    /** Stops the server; resolves with what it reported last (our server: its event-loop delay). */
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      rmSync(root, { recursive: true, force: true });
      const last = out.trim().split('\n').at(-1) ?? '';
      return last.startsWith('{"eventLoopDelay"') ? JSON.parse(last) : {};
    },
  };
}

// ---------- load ----------

const basicAuth = (id, secret) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
const FORM = 'application/x-www-form-urlencoded';

/** autocannon from this process; refuses a run with errors or unexpected statuses. */
async function hammer(url, { method = 'GET', headers = {}, body, requests, connections = CONNECTIONS, seconds = SECONDS } = {}) {
  const result = await autocannon({ url, method, headers, body, requests, connections, duration: seconds, pipelining: 1 });
  if (result.errors || result.non2xx) throw new Error(`${method} ${url}: ${result.errors} errors, ${result.non2xx} non-2xx answers`);
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, n: result.requests.total, seconds };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/**
 * One scenario against both servers in ROUNDS alternating slices of SECONDS / ROUNDS each (ours
 * first in one round, bare first in the next), so a neighbour's burst on this shared machine falls
 * on both rather than on one. Rate: all requests over all slices; latency: the median slice's.
 */
async function compare(scenario, ours, bare) {
  const options = { ours: await scenario(ours), bare: await scenario(bare) };
  const slices = { ours: [], bare: [] };
  const seconds = SECONDS / ROUNDS;
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const side of round % 2 === 0 ? ['ours', 'bare'] : ['bare', 'ours']) {
      const { url, ...rest } = options[side];
      slices[side].push(await hammer(url, { ...rest, seconds }));
    }
  }
  const total = (runs) => ({
    rps: runs.reduce((sum, r) => sum + r.n, 0) / runs.reduce((sum, r) => sum + r.seconds, 0),
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
    n: runs.reduce((sum, r) => sum + r.n, 0),
  });
  const o = total(slices.ours);
  const b = total(slices.bare);
  return { ours: o, bare: b, ratio: o.rps / b.rps };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

function request(url, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method, agent, headers: body ? { ...headers, 'content-length': Buffer.byteLength(body) } : headers },
      (res) => {
        const chunks = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function token(server) {
  const answer = await request(new URL('/token', server.url), {
    method: 'POST',
    headers: { 'content-type': FORM, authorization: basicAuth(server.admin.id, server.admin.secret) },
    body: 'grant_type=client_credentials&scope=admin',
  });
  if (answer.status !== 200) throw new Error(`client credentials: ${answer.status} ${answer.text}`);
  return JSON.parse(answer.text).access_token;
}

/**
 * The same scenarios against a server; each gives what to hammer. The refresh-token grant rotates
 * its token, so each request takes a token from the server's pool and its answer gives the next.
 */
const SCENARIOS = {
  discovery: (s) => ({ url: new URL('/.well-known/openid-configuration', s.url).toString() }),
  jwks: (s) => ({ url: new URL('/jwks', s.url).toString() }),
  client_credentials: (s) => ({
    url: new URL('/token', s.url).toString(),
    method: 'POST',
    headers: { 'content-type': FORM, authorization: basicAuth(s.admin.id, s.admin.secret) },
    body: 'grant_type=client_credentials&scope=admin',
  }),
  introspection: async (s) => ({
    url: new URL('/token/introspection', s.url).toString(),
    method: 'POST',
    headers: { 'content-type': FORM, authorization: basicAuth(s.admin.id, s.admin.secret) },
    body: `token=${await token(s)}`,
  }),
  refresh_token: (s) => {
    const pool = [...s.refreshTokens];
    return {
      url: new URL('/token', s.url).toString(),
      requests: [
        {
          method: 'POST',
          headers: { 'content-type': FORM, authorization: basicAuth(s.app.id, s.app.secret) },
          setupRequest: (request) => {
            const next = pool.shift();
            if (!next) throw new Error('refresh-token pool exhausted');
            return { ...request, body: `grant_type=refresh_token&refresh_token=${next}` };
          },
          onResponse: (status, body) => {
            if (status === 200) pool.push(JSON.parse(body).refresh_token);
            else if (!s.refusalShown) {
              s.refusalShown = true;
              process.stderr.write(`refresh: ${status} ${body}\n`);
            }
          },
        },
      ],
    };
  },
  userinfo: (s) => ({ url: new URL('/me', s.url).toString(), headers: { authorization: `Bearer ${s.accessToken}` } }),
};

// ---------- the hosted sign-in, driven like a browser ----------

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

const formAction = (html, suffix) => {
  const match = new RegExp(`<form method="post" action="([^"]*${suffix})"`).exec(html);
  if (!match) throw new Error(`no form posting to …${suffix}:\n${html.slice(0, 500)}`);
  return match[1];
};

/** authorize → e-mail → password (→ TOTP code, given the account's secret) → code → token. */
async function signIn(server, email, totpSecret) {
  const verifier = randomBytes(32).toString('base64url');
  const auth = new URL('/auth', server.url);
  auth.search = new URLSearchParams({
    client_id: server.app.id,
    redirect_uri: server.app.redirectUri,
    response_type: 'code',
    scope: 'openid email',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  }).toString();
  const b = browser(server.url);
  const start = await b.follow(auth);
  const csrf = /name="csrf" value="([^"]+)"/.exec(start.response.text)?.[1];
  const post = (html, suffix, fields) =>
    b.follow(formAction(html, suffix), {
      method: 'POST',
      headers: { 'content-type': FORM },
      body: new URLSearchParams({ csrf, ...fields }).toString(),
    });
  const afterEmail = await post(start.response.text, '/email', { email });
  const afterPassword = await post(afterEmail.response.text, '/password', { password: server.password });
  const done = totpSecret
    ? await post(afterPassword.response.text, '/second-factor', { code: totpCode(totpSecret, Date.now()) })
    : afterPassword;
  const code = done.location && new URL(done.location).searchParams.get('code');
  if (!code) throw new Error(`sign-in did not return a code: ${done.location ?? done.response.status}`);
  const answer = await request(new URL('/token', server.url), {
    method: 'POST',
    headers: { 'content-type': FORM, authorization: basicAuth(server.app.id, server.app.secret) },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: server.app.redirectUri,
      code_verifier: verifier,
    }).toString(),
  });
  if (answer.status !== 200) throw new Error(`code exchange: ${answer.status}`);
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;
}

/** Runs `task` from `concurrency` loops for `seconds`; rate and latency percentiles. */
async function loop(task, { concurrency, seconds, keep }) {
  const latencies = [];
  const started = performance.now();
  const end = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const t = performance.now();
        await task();
        latencies.push(performance.now() - t);
        keep?.push(performance.now() - t);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  return {
    rps: latencies.length / ((performance.now() - started) / 1000),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    n: latencies.length,
  };
}

/** Sign-ins saturating the hashing threads, with a /healthz probe beside them every 20 ms. */
async function signInsWithProbe(server, emails) {
  server.resetLoopDelay();
  let probing = true;
  const probes = [];
  const probe = (async () => {
    while (probing) {
      const t = performance.now();
      await request(new URL('/healthz', server.url));
      probes.push(performance.now() - t);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  const signIns = await loop(() => signIn(server, emails[Math.floor(Math.random() * emails.length)]), {
    concurrency: Number(THREADPOOL) * 2,
    seconds: SIGN_IN_SECONDS,
  });
  probing = false;
  await probe;
  probes.sort((a, b) => a - b);
  return { signIns, healthz: { p50: percentile(probes, 50), p99: percentile(probes, 99), n: probes.length } };
}

/** bcrypt.compare at the same cost and thread-pool size, on the server's CPU, in a process of its own. */
async function rawBcryptRate() {
  // The pool at the nice value the server gives its own (HASHING_THREAD_NICE), so both yield alike to neighbours.
  const script = `
    const bcrypt = require('bcrypt');
    const hash = bcrypt.hashSync('x', ${Number(BCRYPT_COST)});
    const worker = async (end) => { let n = 0; while (Date.now() < end) { await bcrypt.compare('x', hash); n += 1; } return n; };
    import('./dist/web/thread-priority.js').then(async ({ lowerThreadPoolPriority }) => {
      if (${HASHING_NICE} > 0) await lowerThreadPoolPriority(${HASHING_NICE});
      const started = Date.now();
      const counts = await Promise.all(Array.from({ length: ${Number(THREADPOOL)} }, () => worker(started + ${SIGN_IN_SECONDS * 1000})));
      console.log(counts.reduce((a, b) => a + b, 0) / ((Date.now() - started) / 1000));
    });`;
  const args = ['-e', script];
  const out = execFileSync(pinned ? 'taskset' : process.execPath, pinned ? ['-c', '0', process.execPath, ...args] : args, {
    env: { ...process.env, UV_THREADPOOL_SIZE: THREADPOOL },
    cwd: path.join(here, '..'),
  });
  return Number(String(out).trim());
}

// ---------- run ----------

const began = performance.now();
const loadAtStart = os.loadavg()[0];
const results = { scenarios: {}, signIn: null, memory: {}, scale: [] };

const ours = await startServer('idp.js');
const bare = await startServer('bare.js');
if (QUICK) process.stderr.write(`ours ${ours.url}, bare ${bare.url}\n`);
results.memory.idleRss = ours.rss();
results.memory.bareIdleRss = bare.rss();
/** BENCH_ONLY=a,b (with BENCH_QUICK=1): only these scenarios, e.g. to profile one of them. */
const only = QUICK && process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',')) : null;
for (const [name, run] of Object.entries(SCENARIOS)) {
  if (only && !only.has(name)) continue;
  const compared = await compare(run, ours, bare);
  results.scenarios[name] = compared;
  process.stdout.write(
    `${name}: ours ${Math.round(compared.ours.rps)} req/s, bare ${Math.round(compared.bare.rps)} req/s, ratio ${compared.ratio.toFixed(2)}\n`,
  );
}
if (QUICK && !only?.has('sign_in')) {
  await Promise.all([ours.stop(), bare.stop()]);
  agent.destroy();
  process.exit(0);
}
if (!QUICK) {
  await hammer(new URL('/.well-known/openid-configuration', ours.url).toString(), { connections: 64 });
  results.memory.afterBurstRss = ours.rss();
}
await bare.stop();

const emails = Array.from({ length: ours.accounts }, (_, i) => `user${i}@bench.example`);
const { signIns, healthz } = await signInsWithProbe(ours, emails);
// The same sign-ins with a second factor: each account once (a TOTP code works once per step).
const totpAccounts = [...ours.totp];
const withTotp = await loop(
  async () => {
    const account = totpAccounts.shift();
    if (!account) throw new Error('not enough second-factor accounts for the run (BENCH_TOTP_ACCOUNTS)');
    await signIn(ours, account.email, account.secret);
  },
  { concurrency: Number(THREADPOOL) * 2, seconds: SIGN_IN_SECONDS },
);
const bcryptRate = await rawBcryptRate();
results.signInTotp = { ...withTotp, ratio: withTotp.rps / bcryptRate };
results.signIn = {
  cost: Number(BCRYPT_COST),
  threadpool: Number(THREADPOOL),
  ...signIns,
  bcryptRate,
  ratio: signIns.rps / bcryptRate,
  healthz,
};
results.memory.peakRss = ours.peakRss();
const { eventLoopDelay } = await ours.stop();
results.signIn.eventLoopDelay = eventLoopDelay;
process.stdout.write(
  `sign-in: ${signIns.rps.toFixed(1)}/s against bcrypt ${bcryptRate.toFixed(1)}/s; /healthz p99 ${healthz.p99.toFixed(1)} ms; ` +
    `event-loop delay p99 ${eventLoopDelay?.p99} ms; with TOTP ${withTotp.rps.toFixed(1)}/s\n`,
);
if (QUICK) {
  agent.destroy();
  process.exit(0);
}

// Both sizes served at once and measured in alternating slices, so the machine's load falls on both alike.
const sizes = [1_000, SCALE];
const scaleServers = [];
for (const accounts of sizes) {
  const server = await startServer('idp.js', { BENCH_ACCOUNTS: String(accounts), BCRYPT_COST: '4', BENCH_TOTP_ACCOUNTS: '0' });
  process.stdout.write(`scale ${accounts}: seeded in ${server.seedSeconds.toFixed(1)} s\n`);
  scaleServers.push(server);
}
const scaleLatencies = scaleServers.map(() => []);
for (let round = 0; round < ROUNDS; round += 1) {
  for (const [i, server] of scaleServers.entries()) {
    const some = Array.from({ length: 50 }, () => `user${Math.floor(Math.random() * server.accounts)}@bench.example`);
    const run = await loop(() => signIn(server, some[Math.floor(Math.random() * some.length)]), {
      concurrency: 1,
      seconds: 1,
      keep: scaleLatencies[i],
    });
    void run;
  }
}
for (const [i, server] of scaleServers.entries()) {
  const latencies = scaleLatencies[i].sort((a, b) => a - b);
  results.scale.push({
    accounts: server.accounts,
    seedSeconds: server.seedSeconds,
    signInP50: percentile(latencies, 50),
    signInP99: percentile(latencies, 99),
    signIns: latencies.length,
    sqliteBytes: statSync(server.dataFile).size,
  });
  process.stdout.write(`scale ${server.accounts}: sign-in p50 ${percentile(latencies, 50).toFixed(1)} ms\n`);
  await server.stop();
}
agent.destroy();

// ---------- report ----------

const cpus = os.cpus();
const machine = {
  cpu: cpus[0]?.model.trim() ?? 'unknown',
  cores: cpus.length,
  node: process.version,
  platform: `${os.platform()} ${os.arch()}`,
  pinned,
  loadAverageAtStart: loadAtStart,
  date: new Date().toISOString(),
  seconds: Math.round((performance.now() - began) / 1000),
};
const report = {
  machine: { ...machine, loadAverageAtEnd: os.loadavg()[0] },
  settings: {
    connections: CONNECTIONS,
    seconds: SECONDS,
    rounds: ROUNDS,
    signInSeconds: SIGN_IN_SECONDS,
    nodeFlags: NODE_FLAGS,
    hashingNice: HASHING_NICE,
    bareStore: process.env.BENCH_BARE_STORE ?? 'memory',
  },
  ...results,
};
const stamp = machine.date.slice(0, 19).replaceAll(':', '-');
writeFileSync(path.join(here, 'results', `${stamp}.json`), `${JSON.stringify(report, null, 2)}\n`);

const written = writeReport(report);
process.stdout.write(`\n${written}\nwritten to bench/results/${stamp}.json, latest.md and latest.svg\n`);
