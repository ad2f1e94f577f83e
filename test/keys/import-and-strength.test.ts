import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startIdp } from '../support/server.js';
import { keyStatuses } from '../../src/keys/key-set.js';
import type { StoredKey } from '../../src/oidc/key-files.js';
import { openSqliteStorage } from '../../src/storage/sqlite/index.js';
import { StoreKeys } from '../../src/keys/store-keys.js';
import { FieldCipher } from '../../src/crypto/field-cipher.js';
import { parseEncryptionKeys } from '../../src/crypto/keyring.js';

const kids = async (url: string) => ((await (await fetch(`${url}/jwks`)).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid).sort();

describe('moving keys from KEYS_DIR into the store', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'idp-import-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const encryption = { ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}` };

  test('the first start with KEY_STORE=database imports the files once: same keys, same token-id key (stored sessions stay valid)', async () => {
    const dirs = { dataDir: path.join(root, 'data'), keysDir: path.join(root, 'keys') };
    const fileNode = await startIdp({ ...encryption, KEY_STORE: 'files' }, dirs);
    const fileKids = await kids(fileNode.url);
    await fileNode.stop({ keepFiles: true });

    const storeNode = await startIdp({ ...encryption, KEY_STORE: 'database' }, dirs);
    expect(await kids(storeNode.url)).toEqual(fileKids);
    expect(storeNode.logs()).toContain('imported KEYS_DIR files into the store');
    await storeNode.stop({ keepFiles: true });
    const storage = openSqliteStorage(path.join(dirs.dataDir, 'idp.sqlite'));
    try {
      const stored = new StoreKeys(storage.keys, new FieldCipher(parseEncryptionKeys(encryption.ENCRYPTION_KEYS)));
      const fileKey = (JSON.parse(readFileSync(path.join(dirs.keysDir, 'token-id-key.json'), 'utf8')) as { key: string }).key;
      expect((await stored.tokenIdKey()).toString('base64url')).toBe(fileKey);
      const fileSecrets = (JSON.parse(readFileSync(path.join(dirs.keysDir, 'cookie-secrets.json'), 'utf8')) as { secrets: string[] }).secrets;
      expect(await stored.cookieSecrets()).toEqual(fileSecrets);
    } finally {
      await storage.close();
    }

    // Later the files no longer matter: moved away (or changed), the store's keys are used.
    writeFileSync(path.join(dirs.keysDir, 'signing-keys.json'), 'not json', { mode: 0o600 });
    const again = await startIdp({ ...encryption, KEY_STORE: 'database' }, dirs);
    expect(await kids(again.url)).toEqual(fileKids);
    expect(again.logs()).not.toContain('imported');
    await again.stop({ keepFiles: true });
  });

  test('an RSA key shorter than 3072 bits refuses the start (files and import alike), naming the key, and nothing is imported', async () => {
    const dirs = { dataDir: path.join(root, 'weak-data'), keysDir: path.join(root, 'weak-keys') };
    const first = await startIdp({ ...encryption, KEY_STORE: 'files' }, dirs);
    await first.stop({ keepFiles: true });
    const file = path.join(dirs.keysDir, 'signing-keys.json');
    const content = JSON.parse(readFileSync(file, 'utf8')) as { keys: StoredKey[] };
    const rsa = content.keys.find((k) => k.jwk.alg === 'RS256')!;
    const weak = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
    rsa.jwk = { ...weak, kid: rsa.jwk.kid, alg: 'RS256', use: 'sig' } as StoredKey['jwk'];
    writeFileSync(file, JSON.stringify(content), { mode: 0o600 });
    await expect(startIdp({ ...encryption, KEY_STORE: 'files' }, dirs)).rejects.toThrow(/kid [^)]+\) is shorter than 3072 bits/);
    const fresh = { dataDir: path.join(root, 'weak-data-2'), keysDir: dirs.keysDir };
    await expect(startIdp({ ...encryption, KEY_STORE: 'database' }, fresh)).rejects.toThrow(/is shorter than 3072 bits/);
    const storage = openSqliteStorage(path.join(fresh.dataDir, 'idp.sqlite'));
    try {
      expect(await storage.keys.read('signing-keys')).toBeUndefined();
    } finally {
      await storage.close();
    }
  });
});

describe('key states follow from dates', () => {
  const key = (kid: string, alg: 'RS256' | 'ES256', createdAt: string, activatesAt?: string): StoredKey => ({
    jwk: { kid, alg, kty: alg === 'RS256' ? 'RSA' : 'EC' } as StoredKey['jwk'], createdAt, activatesAt, retiredAt: null,
  });
  const keys = [key('old', 'RS256', '2026-01-01T00:00:00.000Z'), key('new', 'RS256', '2026-02-01T00:00:00.000Z', '2026-02-01T00:05:00.000Z')];
  const states = (at: string, grace = 3600) => keyStatuses(keys, new Date(at), grace).map((s) => `${s.kid}:${s.state}`);

  test('next before its activation, then current; its predecessor retiring, then gone after the grace period', () => {
    expect(states('2026-02-01T00:01:00.000Z')).toEqual(['old:current', 'new:next']);
    expect(states('2026-02-01T00:05:00.000Z')).toEqual(['new:current', 'old:retiring']);
    expect(states('2026-02-01T01:04:59.000Z')).toEqual(['new:current', 'old:retiring']);
    expect(states('2026-02-01T01:05:00.000Z')).toEqual(['new:current']);
    const retiring = keyStatuses(keys, new Date('2026-02-01T00:10:00.000Z'), 3600).find((s) => s.kid === 'old')!;
    expect(retiring).toMatchObject({ retiringSince: '2026-02-01T00:05:00.000Z', unpublishedAt: '2026-02-01T01:05:00.000Z' });
  });
});
