import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, linkSync, mkdirSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { calculateJwkThumbprint, type JWK } from 'jose';
import type { Settings } from '../config/settings.js';
import type { Logger } from '../log/logger.js';
import {
  KeyFileError,
  SIGNING_ALGORITHMS,
  checkCookieSecrets,
  checkSigningKeys,
  checkTokenIdKey,
  permissiveKeyPaths,
  readJsonKeyFile,
  type SigningAlgorithm,
  type StoredKey,
} from './key-files.js';

export { SIGNING_ALGORITHMS, type SigningAlgorithm, type StoredKey } from './key-files.js';

/**
 * Signing keys, cookie secrets and the key that hashes stored token ids live as files in the
 * keys directory, generated on first start and never committed. Rotation puts new keys first
 * (they sign from then on) and keeps retired public keys published until every token they
 * signed has expired.
 */

export const SIGNING_FILE = 'signing-keys.json';
export const COOKIE_FILE = 'cookie-secrets.json';
export const TOKEN_ID_FILE = 'token-id-key.json';
/** RSA modulus size: R8 asks for 2048 bits or stronger. */
const RSA_BITS = 3072;

export async function generateKey(alg: SigningAlgorithm): Promise<StoredKey['jwk']> {
  const { privateKey } =
    alg === 'RS256' ? generateKeyPairSync('rsa', { modulusLength: RSA_BITS }) : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = privateKey.export({ format: 'jwk' });
  return { ...jwk, kid: await calculateJwkThumbprint(jwk as JWK), alg, use: 'sig' } as StoredKey['jwk'];
}

/** The directory is this process's alone; a directory it does not own keeps its mode. */
function privateDirectory(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    chmodSync(dir, 0o700);
  } catch {
    // Not ours to change (a mounted secret volume); permissiveKeyPaths reports it if it matters.
  }
}

function temporaryWith(file: string, content: unknown): string {
  privateDirectory(path.dirname(file));
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  return temporary;
}

function writePrivate(file: string, content: unknown): void {
  renameSync(temporaryWith(file, content), file);
}

/**
 * Writes the file unless it exists. Linked into place rather than renamed: link refuses to
 * overwrite, so nodes starting at once on a shared volume all end up with the same secret.
 */
function createOnce(file: string, content: unknown): boolean {
  const temporary = temporaryWith(file, content);
  try {
    linkSync(temporary, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return false;
  } finally {
    unlinkSync(temporary);
  }
}

export function readSigningKeys(keysDir: string): StoredKey[] {
  const file = path.join(keysDir, SIGNING_FILE);
  return existsSync(file) ? checkSigningKeys(file, readJsonKeyFile(file)) : [];
}

export async function freshKeys(now: Date): Promise<StoredKey[]> {
  const keys: StoredKey[] = [];
  for (const alg of SIGNING_ALGORITHMS) keys.push({ jwk: await generateKey(alg), createdAt: now.toISOString(), retiredAt: null });
  return keys;
}

/** Keys still worth publishing: active ones and retired ones inside the grace period. */
function live(keys: StoredKey[], now: Date, retiredGraceSeconds: number): StoredKey[] {
  return keys.filter((k) => k.retiredAt === null || Date.parse(k.retiredAt) + retiredGraceSeconds * 1000 > now.getTime());
}

/**
 * Loads the signing keys, generating them when none exist. Active keys come first.
 * @throws KeyFileError when the file exists but a key in it cannot sign.
 */
export async function loadSigningKeys(
  keysDir: string,
  retiredGraceSeconds: number,
  now = new Date(),
): Promise<{ keys: JWK[]; generated: boolean }> {
  let keys = readSigningKeys(keysDir);
  let generated = false;
  if (keys.length === 0) {
    keys = await freshKeys(now);
    writePrivate(path.join(keysDir, SIGNING_FILE), { keys });
    generated = true;
  }
  const published = live(keys, now, retiredGraceSeconds);
  const ordered = [...published.filter((k) => k.retiredAt === null), ...published.filter((k) => k.retiredAt !== null)];
  return { keys: ordered.map((k) => k.jwk as JWK), generated };
}

/** Adds a new key per algorithm, retires the current ones, drops keys past their grace period. */
export async function rotateSigningKeys(
  keysDir: string,
  retiredGraceSeconds: number,
  now = new Date(),
): Promise<{ added: string[]; retired: string[]; removed: string[] }> {
  const existing = readSigningKeys(keysDir);
  const retired = existing.filter((k) => k.retiredAt === null).map((k) => ({ ...k, retiredAt: now.toISOString() }));
  const previouslyRetired = existing.filter((k) => k.retiredAt !== null);
  const kept = live([...retired, ...previouslyRetired], now, retiredGraceSeconds);
  const added = await freshKeys(now);
  writePrivate(path.join(keysDir, SIGNING_FILE), { keys: [...added, ...kept] });
  const keptIds = new Set(kept.map((k) => k.jwk.kid));
  return {
    added: added.map((k) => k.jwk.kid),
    retired: retired.map((k) => k.jwk.kid),
    removed: previouslyRetired.filter((k) => !keptIds.has(k.jwk.kid)).map((k) => k.jwk.kid),
  };
}

/** Secrets that sign oidc-provider's cookies; generated once, newest first. */
export function loadCookieSecrets(keysDir: string): string[] {
  const file = path.join(keysDir, COOKIE_FILE);
  if (!existsSync(file)) createOnce(file, { secrets: [randomBytes(32).toString('base64url')] });
  return checkCookieSecrets(file, readJsonKeyFile(file));
}

/** The HMAC key under which oidc record ids are stored (hashed-ids.ts); generated once. */
export function loadTokenIdKey(keysDir: string): Buffer {
  const file = path.join(keysDir, TOKEN_ID_FILE);
  if (!existsSync(file)) createOnce(file, { key: randomBytes(32).toString('base64url') });
  return checkTokenIdKey(file, readJsonKeyFile(file));
}

export interface KeyMaterial {
  signingKeys: JWK[];
  cookieSecrets: string[];
  tokenIdKey: Buffer;
}

/**
 * Everything the server needs from KEYS_DIR. Key files others may read or change, or a
 * directory others may write to, stop the start unless KEYS_MODE_CHECK=warn. Checked after
 * loading, so that a first start into a checkout's keys/ (0755, or 0775 under umask 002)
 * generates its files and tightens the directory instead of refusing.
 */
export async function loadKeyMaterial(
  settings: Pick<Settings, 'keysDir' | 'keysModeCheck'>,
  retiredGraceSeconds: number,
  logger: Logger,
): Promise<KeyMaterial> {
  const { keysDir } = settings;
  const { keys, generated } = await loadSigningKeys(keysDir, retiredGraceSeconds);
  if (generated) logger.warn({ keysDir }, 'generated new signing keys (first start)');
  const material = { signingKeys: keys, cookieSecrets: loadCookieSecrets(keysDir), tokenIdKey: loadTokenIdKey(keysDir) };
  const exposed = permissiveKeyPaths(
    keysDir,
    [SIGNING_FILE, COOKIE_FILE, TOKEN_ID_FILE].map((name) => path.join(keysDir, name)),
  );
  if (exposed.length > 0) {
    const list = exposed.map((e) => `${e.path} (mode ${e.mode})`).join(', ');
    if (settings.keysModeCheck === 'refuse') {
      throw new KeyFileError(
        `key files others can read or change: ${list}. Run chmod 700 on the directory and chmod 600 on the files, or set KEYS_MODE_CHECK=warn to start anyway`,
      );
    }
    logger.warn(
      { paths: exposed },
      'key files others can read or change (KEYS_MODE_CHECK=warn): chmod 700 the directory, chmod 600 the files',
    );
  }
  return material;
}
