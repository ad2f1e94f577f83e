import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { startIdp } from '../support/server.js';

const mode = (file: string) => (statSync(file).mode & 0o777).toString(8).padStart(3, '0');
const KEY_FILES = ['signing-keys.json', 'cookie-secrets.json', 'token-id-key.json'];

describe('the keys directory is checked before the server starts', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'idp-keys-'));
  let n = 0;
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  /** Data and keys directories in which a server has started once and generated its keys. */
  async function generated() {
    const dirs = { dataDir: path.join(root, `data-${(n += 1)}`), keysDir: path.join(root, `keys-${n}`) };
    const idp = await startIdp({}, dirs);
    await idp.stop({ keepFiles: true });
    const signingFile = path.join(dirs.keysDir, 'signing-keys.json');
    const signing = JSON.parse(readFileSync(signingFile, 'utf8')) as { keys: { jwk: Record<string, unknown> }[] };
    const rewrite = (change: (keys: { jwk: Record<string, unknown> }[]) => void) => {
      change(signing.keys);
      writeFileSync(signingFile, JSON.stringify(signing), { mode: 0o600 });
    };
    return { dirs, signingFile, rewrite };
  }

  test('generated key files are 0600 and the directory 0700, also one a checkout left 0775 (umask 002)', async () => {
    const dirs = { dataDir: path.join(root, 'fresh-data'), keysDir: path.join(root, 'fresh-keys') };
    mkdirSync(dirs.keysDir);
    chmodSync(dirs.keysDir, 0o775);
    const idp = await startIdp({}, dirs);
    await idp.stop({ keepFiles: true });
    expect(mode(dirs.keysDir)).toBe('700');
    for (const file of KEY_FILES) expect([file, mode(path.join(dirs.keysDir, file))]).toEqual([file, '600']);
  });

  test('a signing key that cannot sign refuses the start, naming the file and the key', async () => {
    const { dirs, signingFile, rewrite } = await generated();
    rewrite((keys) => {
      // Private part of another key: loads, but what it signs does not verify against the published key.
      const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
      keys[0]!.jwk = { ...keys[0]!.jwk, d: other.d, p: other.p, q: other.q, dp: other.dp, dq: other.dq, qi: other.qi };
    });
    await expect(startIdp({}, dirs)).rejects.toThrow(
      new RegExp(`^${signingFile}: key 1 \\(kid [^)]+\\) (does not verify|is not a usable private key)`),
    );

    rewrite((keys) => {
      delete keys[0]!.jwk.d;
    });
    await expect(startIdp({}, dirs)).rejects.toThrow(`${signingFile}: key 1`);

    rewrite((keys) => {
      keys[0]!.jwk.alg = 'HS256';
    });
    await expect(startIdp({}, dirs)).rejects.toThrow(/key 1 \(kid [^)]+\) has alg HS256/);
  });

  test('a keys file that is not JSON, or holds no usable secret, refuses the start without quoting it', async () => {
    const { dirs, signingFile } = await generated();
    writeFileSync(signingFile, '{"keys": [{"jwk": {"d": "SECRET-MATERIAL"', { mode: 0o600 });
    const refusal = startIdp({}, dirs);
    await expect(refusal).rejects.toThrow(`${signingFile} is not valid JSON`);
    await expect(refusal).rejects.not.toThrow(/SECRET-MATERIAL/);

    const second = await generated();
    const cookieFile = path.join(second.dirs.keysDir, 'cookie-secrets.json');
    writeFileSync(cookieFile, JSON.stringify({ secrets: ['short'] }), { mode: 0o600 });
    await expect(startIdp({}, second.dirs)).rejects.toThrow(`${cookieFile}: secret 1 is not a string of at least 32 characters`);

    const third = await generated();
    const idKeyFile = path.join(third.dirs.keysDir, 'token-id-key.json');
    writeFileSync(idKeyFile, JSON.stringify({ key: '' }), { mode: 0o600 });
    await expect(startIdp({}, third.dirs)).rejects.toThrow(`${idKeyFile} does not hold a key`);
  });

  test('a keys directory others may write to (0777) and key files others may read (0666) refuse the start; KEYS_MODE_CHECK=warn starts with a warning', async () => {
    const { dirs, signingFile } = await generated();
    chmodSync(dirs.keysDir, 0o777);
    chmodSync(signingFile, 0o666);
    await expect(startIdp({}, dirs)).rejects.toThrow(
      `key files others can read or change: ${dirs.keysDir} (mode 0777), ${signingFile} (mode 0666)`,
    );

    const idp = await startIdp({ KEYS_MODE_CHECK: 'warn' }, dirs);
    try {
      const warning = idp
        .logs()
        .split('\n')
        .find((line) => line.includes('key files others can read or change'));
      expect(JSON.parse(warning!)).toMatchObject({
        level: 40,
        paths: [
          { path: dirs.keysDir, mode: '0777' },
          { path: signingFile, mode: '0666' },
        ],
      });
      expect((await fetch(`${idp.url}/readyz`)).status).toBe(200);
    } finally {
      await idp.stop({ keepFiles: true });
    }
  });
});
