// Proves that what runs in production installs with production dependencies only:
// copies the built service into a scratch directory, installs `dependencies` alone there,
// starts the server, waits for /healthz and discovery, and runs one CLI command.
// Fails naming the missing module when a run-time import lives in devDependencies.
//
//   npm run check:production        (after npm ci, which builds dist/)
import { spawn, execFile } from 'node:child_process';
import { cp, mkdtemp, rm, access } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const root = path.resolve(import.meta.dirname, '../..');
const run = promisify(execFile);
const STARTUP_MS = 30_000;

function fail(message, output = '') {
  const missing = /Cannot find (?:package|module) '([^']+)'/.exec(output);
  const reason = missing ? `missing module "${missing[1]}": declare it under dependencies in package.json` : message;
  process.stderr.write(`production install check FAILED: ${reason}\n${output ? `--- output ---\n${output}\n` : ''}`);
  process.exit(1);
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

async function waitFor(url, server, output) {
  const deadline = Date.now() + STARTUP_MS;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) fail(`the server exited with code ${server.exitCode}`, output());
    try {
      const response = await fetch(url);
      if (response.ok) return response;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  fail(`no answer from ${url} within ${STARTUP_MS / 1000} s`, output());
}

const scratch = await mkdtemp(path.join(tmpdir(), 'idp-production-'));
let server;
try {
  await access(path.join(root, 'dist/main.js')).catch(() => fail('dist/ is not built: run npm ci (or npm run build) first'));
  for (const entry of ['package.json', 'package-lock.json', 'dist', 'bin', 'assets']) {
    await cp(path.join(root, entry), path.join(scratch, entry), { recursive: true });
  }
  process.stdout.write(`installing production dependencies only into ${scratch}\n`);
  await run('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: scratch,
    maxBuffer: 16 * 1024 * 1024,
  }).catch((error) => fail('npm ci --omit=dev failed', `${error.stdout}${error.stderr}`));

  const port = await freePort();
  // Only what an operator would set; nothing from the developer's shell leaks in.
  const env = {
    PATH: process.env.PATH,
    HOME: scratch,
    NODE_ENV: 'production',
    PORT: String(port),
    DATA_DIR: path.join(scratch, 'data'),
    KEYS_DIR: path.join(scratch, 'keys'),
    LOG_LEVEL: 'warn',
  };
  let output = '';
  server = spawn(process.execPath, ['dist/main.js'], { cwd: scratch, env, stdio: ['ignore', 'pipe', 'pipe'] });
  server.stdout.on('data', (chunk) => (output += chunk));
  server.stderr.on('data', (chunk) => (output += chunk));
  const base = `http://localhost:${port}`;
  await waitFor(`${base}/healthz`, server, () => output);
  const discovery = await (await waitFor(`${base}/.well-known/openid-configuration`, server, () => output)).json();
  if (discovery.issuer !== base) fail(`discovery names issuer ${discovery.issuer}, expected ${base}`);
  process.stdout.write(`server started from the production install: ${base}/healthz and discovery answer\n`);

  const cli = await run(process.execPath, ['bin/idp.js', 'tenant', 'list', '--json'], { cwd: scratch, env }).catch((error) =>
    fail('idp tenant list --json failed', `${error.stdout}${error.stderr}`),
  );
  let tenants;
  try {
    tenants = JSON.parse(cli.stdout);
  } catch {
    fail('idp tenant list --json did not print JSON', cli.stdout + cli.stderr);
  }
  if (!Array.isArray(tenants)) fail('idp tenant list --json did not print a list', cli.stdout);
  process.stdout.write('idp tenant list --json works from the production install\n');
  process.stdout.write('production install check passed\n');
} finally {
  if (server && server.exitCode === null) {
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
  }
  await rm(scratch, { recursive: true, force: true });
}
