import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import * as oidc from 'openid-client';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { startIdp, freePort, type TestIdp } from '../support/server.js';
import { FormClient, signIn } from '../support/form-client.js';
import { PASSWORD, seed } from '../support/fixtures.js';
import { SwitchProxy } from '../support/switch-proxy.js';
import { openSqliteStorage } from '../../src/storage/sqlite/index.js';
import { StoreKeys } from '../../src/keys/store-keys.js';
import { FieldCipher } from '../../src/crypto/field-cipher.js';
import { parseEncryptionKeys } from '../../src/crypto/keyring.js';

const run = promisify(execFile);
const REDIRECT_URI = 'http://localhost:8123/callback';
const POLL_MS = 200;
const PUBLISH_DELAY_SECONDS = 4;
/**
 * A key change must be published by every node within this: one poll interval (200 ms here) plus a
 * read, with room for a machine busy running the whole suite in parallel.
 */
const BOUND_MS = 3000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function jwks(port: number): Promise<JSONWebKeySet> {
  const response = await fetch(`http://localhost:${port}/jwks`);
  expect(response.status).toBe(200);
  return (await response.json()) as JSONWebKeySet;
}
const kidsOf = (set: JSONWebKeySet) => set.keys.map((k) => k.kid!).sort();

describe('two server processes on one SQLite file share keys from the store and rotate without a restart', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'idp-rotation-'));
  const dataDir = path.join(root, 'data');
  const keysDir = path.join(root, 'keys');
  const encryptionKeys = `k1:${randomBytes(32).toString('base64')}`;
  let env: Record<string, string>;
  let ports: { a: number; b: number; proxy: number };
  let a: TestIdp;
  let b: ChildProcess;
  let bLog = '';
  let proxy: SwitchProxy;
  let issuer: string;
  let config: oidc.Configuration;
  let accountId: string;

  async function waitUntilUp(port: number) {
    for (let i = 0; i < 200; i += 1) {
      if (b.exitCode !== null) throw new Error(`node B exited (${b.exitCode}):\n${bLog}`);
      try {
        if ((await fetch(`http://localhost:${port}/healthz`)).ok) return;
      } catch { /* not listening yet */ }
      await sleep(50);
    }
    throw new Error(`node B did not come up:\n${bLog}`);
  }

  /** An ID token from the node the proxy sends to (0: A, 1: B), through a full sign-in. */
  async function idTokenVia(node: 0 | 1): Promise<string> {
    proxy.target = node;
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI, scope: 'openid', code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    });
    const callback = await signIn(new FormClient(issuer), url.toString(), 'ann@acme.example', PASSWORD);
    const tokens = await oidc.authorizationCodeGrant(config, new URL(callback), { pkceCodeVerifier: verifier });
    expect(tokens.claims()!.sub).toBe(accountId);
    return tokens.id_token!;
  }

  async function verifiesAgainstBoth(token: string) {
    for (const port of [ports.a, ports.b]) {
      const { payload } = await jwtVerify(token, createLocalJWKSet(await jwks(port)), { issuer, audience: config.clientMetadata().client_id });
      expect(payload.sub).toBe(accountId);
    }
  }

  beforeAll(async () => {
    if (!existsSync(path.resolve('dist/main.js'))) throw new Error('dist/main.js is missing: run npm run build (npm test does)');
    ports = { a: await freePort(), b: await freePort(), proxy: await freePort() };
    issuer = `http://localhost:${ports.proxy}`;
    env = {
      ISSUER: issuer, ALLOWED_HOSTS: `localhost:${ports.a},localhost:${ports.b}`, DATA_DIR: dataDir, KEYS_DIR: keysDir,
      ENCRYPTION_KEYS: encryptionKeys, KEY_STORE: 'database', KEY_PUBLISH_DELAY_SECONDS: String(PUBLISH_DELAY_SECONDS),
      KEYS_POLL_INTERVAL_MS: String(POLL_MS), BCRYPT_COST: '4', LOG_LEVEL: 'info',
    };
    proxy = new SwitchProxy([ports.a, ports.b]);
    await proxy.listen(ports.proxy);
    // Both first starts at once: the store ends with one key set, whoever wins.
    b = spawn(process.execPath, ['dist/main.js'], { env: { ...process.env, ...env, PORT: String(ports.b) }, stdio: ['ignore', 'pipe', 'pipe'] });
    b.stdout!.on('data', (chunk: Buffer) => (bLog += chunk.toString()));
    b.stderr!.on('data', (chunk: Buffer) => (bLog += chunk.toString()));
    [a] = await Promise.all([startIdp({ ...env, PORT: String(ports.a) }, { dataDir, keysDir }), waitUntilUp(ports.b)]);
    const fixture = await seed(a, { redirectUri: REDIRECT_URI });
    accountId = fixture.account.id;
    proxy.target = 0;
    config = await oidc.discovery(new URL(issuer), fixture.client.id, fixture.secret, undefined, { execute: [oidc.allowInsecureRequests] });
  }, 60_000);

  afterAll(async () => {
    b?.kill('SIGTERM');
    await a?.stop({ keepFiles: true });
    await proxy?.close();
    rmSync(root, { recursive: true, force: true });
  });

  test('nodes started at once publish one key set; no key file was written; tokens of either verify against either JWKS', async () => {
    const [fromA, fromB] = [await jwks(ports.a), await jwks(ports.b)];
    expect(kidsOf(fromA)).toHaveLength(2);
    expect(kidsOf(fromB)).toEqual(kidsOf(fromA));
    for (const key of fromA.keys) expect((key as { d?: string }).d).toBeUndefined();
    expect(existsSync(path.join(keysDir, 'signing-keys.json'))).toBe(false);
    const both = `${a.logs()}\n${bLog}`;
    expect(both.split('generated new keys in the store').length - 1).toBe(1);
    await verifiesAgainstBoth(await idTokenVia(0));
    await verifiesAgainstBoth(await idTokenVia(1));
  }, 30_000);

  test('idp keys rotate: the next key is published by both within the bound, signs only after the delay, and nobody restarts', async () => {
    const before = kidsOf(await jwks(ports.a));
    const oldToken = await idTokenVia(1);
    const cliEnv = { ...process.env, ...env };
    const rotated = JSON.parse((await run(process.execPath, ['bin/idp.js', 'keys', 'rotate', '--json'], { env: cliEnv })).stdout) as {
      added: { kid: string; alg: string; activatesAt: string }[];
    };
    const rotatedAt = Date.now();
    const added = rotated.added.map((k) => k.kid).sort();
    expect(rotated.added.map((k) => k.alg).sort()).toEqual(['ES256', 'RS256']);

    // Published by both nodes within the bound (B is another process; it learns it only from the store).
    for (const port of [ports.b, ports.a]) {
      for (;;) {
        const kids = kidsOf(await jwks(port));
        if (added.every((kid) => kids.includes(kid))) break;
        expect(Date.now() - rotatedAt).toBeLessThan(BOUND_MS);
        await sleep(50);
      }
    }
    expect(Date.now() - rotatedAt).toBeLessThan(BOUND_MS);
    const listed = JSON.parse((await run(process.execPath, ['bin/idp.js', 'keys', 'list', '--json'], { env: cliEnv })).stdout) as { kid: string; state: string }[];
    expect(listed.filter((k) => k.state === 'next').map((k) => k.kid).sort()).toEqual(added);
    expect(listed.filter((k) => k.state === 'current').map((k) => k.kid).sort()).toEqual(before);

    // Before the delay is over the old key still signs, on either node.
    const duringDelay = await idTokenVia(1);
    if (Date.now() - rotatedAt < PUBLISH_DELAY_SECONDS * 1000) expect(before).toContain(decodeProtectedHeader(duringDelay).kid);

    await sleep(PUBLISH_DELAY_SECONDS * 1000 - (Date.now() - rotatedAt) + BOUND_MS);
    for (const node of [0, 1] as const) {
      const token = await idTokenVia(node);
      expect(added).toContain(decodeProtectedHeader(token).kid);
      await verifiesAgainstBoth(token);
    }
    // The retiring keys stay published: a token they signed still verifies everywhere.
    expect(before).toContain(decodeProtectedHeader(oldToken).kid);
    await verifiesAgainstBoth(oldToken);
    const after = JSON.parse((await run(process.execPath, ['bin/idp.js', 'keys', 'list', '--json'], { env: cliEnv })).stdout) as { kid: string; state: string; unpublishedAt: string | null }[];
    expect(after.filter((k) => k.state === 'current').map((k) => k.kid).sort()).toEqual(added);
    expect(after.filter((k) => k.state === 'retiring').map((k) => k.kid).sort()).toEqual(before);
    for (const k of after.filter((x) => x.state === 'retiring')) expect(Date.parse(k.unpublishedAt!)).toBeGreaterThan(Date.now());

    // Neither node restarted: B is the same process, A the same object, and both reloaded in place.
    expect(b.exitCode).toBeNull();
    expect(bLog).toContain('signing keys reloaded');
    expect(a.logs()).toContain('signing keys reloaded');
    expect(bLog.split('identity provider listening').length - 1).toBe(1);
  }, 30_000);

  test('stored keys are sealed: the database file does not hold a private key in the clear', async () => {
    const { readFileSync } = await import('node:fs');
    for (const name of ['idp.sqlite', 'idp.sqlite-wal']) {
      const file = path.join(dataDir, name);
      if (existsSync(file)) expect(readFileSync(file).toString('latin1')).not.toMatch(/"d":"|"secrets":|"kty":/);
    }
    const storage = openSqliteStorage(path.join(dataDir, 'idp.sqlite'));
    try {
      for (const name of ['signing-keys', 'cookie-secrets', 'token-id-key']) expect((await storage.keys.read(name))!.sealed).toMatch(/^v1\.k1\./);
    } finally {
      await storage.close();
    }
  });
});

describe('the key store', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'idp-keystore-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const cipher = new FieldCipher(parseEncryptionKeys(`k1:${randomBytes(32).toString('base64')}`));

  test('five first starts racing on one file end with one key set, cookie secret and token-id key', async () => {
    const file = path.join(root, 'race.sqlite');
    const stores = Array.from({ length: 5 }, () => openSqliteStorage(file));
    try {
      const results = await Promise.all(stores.map((s) => new StoreKeys(s.keys, cipher).ensure(path.join(root, 'no-keys'))));
      expect(results.filter((r) => r.generated.length > 0)).toHaveLength(1);
      const seen = await Promise.all(stores.map(async (s) => {
        const keys = new StoreKeys(s.keys, cipher);
        return JSON.stringify([(await keys.signingKeys()).map((k) => k.jwk.kid), await keys.cookieSecrets(), (await keys.tokenIdKey()).toString('hex')]);
      }));
      expect(new Set(seen).size).toBe(1);
    } finally {
      for (const s of stores) await s.close();
    }
  });

  test('a store sealed with other ENCRYPTION_KEYS refuses to open, and a rotation changes nothing there', async () => {
    const storage = openSqliteStorage(path.join(root, 'other.sqlite'));
    try {
      await new StoreKeys(storage.keys, cipher).ensure(path.join(root, 'no-keys'));
      const before = await storage.keys.read('signing-keys');
      const wrong = new StoreKeys(storage.keys, new FieldCipher(parseEncryptionKeys(`k1:${randomBytes(32).toString('base64')}`)));
      await expect(wrong.signingKeys()).rejects.toThrow(/does not authenticate/);
      await expect(wrong.rotate(0, 60)).rejects.toThrow(/does not authenticate/);
      expect(await storage.keys.read('signing-keys')).toEqual(before);
    } finally {
      await storage.close();
    }
  });
});
