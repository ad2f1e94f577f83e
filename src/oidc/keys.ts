import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { calculateJwkThumbprint, type JWK } from 'jose';

/**
 * Signing keys and cookie secrets live as files in the keys directory, generated on first
 * start and never committed. Rotation puts new keys first (they sign from then on) and keeps
 * retired public keys published until every token they signed has expired.
 */

export const SIGNING_ALGORITHMS = ['RS256', 'ES256'] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

export interface StoredKey {
  jwk: JWK;
  createdAt: string;
  retiredAt: string | null;
}

interface KeyFile {
  keys: StoredKey[];
}

const SIGNING_FILE = 'signing-keys.json';
const COOKIE_FILE = 'cookie-secrets.json';
/** RSA modulus size: R8 asks for 2048 bits or stronger. */
const RSA_BITS = 3072;

async function generateKey(alg: SigningAlgorithm): Promise<JWK> {
  const { privateKey } =
    alg === 'RS256'
      ? generateKeyPairSync('rsa', { modulusLength: RSA_BITS })
      : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = privateKey.export({ format: 'jwk' }) as JWK;
  return { ...jwk, kid: await calculateJwkThumbprint(jwk), alg, use: 'sig' };
}

function writePrivate(file: string, content: unknown): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, file);
}

function readKeyFile(keysDir: string): KeyFile | null {
  const file = path.join(keysDir, SIGNING_FILE);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as KeyFile) : null;
}

async function freshKeys(now: Date): Promise<StoredKey[]> {
  const keys: StoredKey[] = [];
  for (const alg of SIGNING_ALGORITHMS) keys.push({ jwk: await generateKey(alg), createdAt: now.toISOString(), retiredAt: null });
  return keys;
}

/** Keys still worth publishing: active ones and retired ones inside the grace period. */
function live(keys: StoredKey[], now: Date, retiredGraceSeconds: number): StoredKey[] {
  return keys.filter((k) => k.retiredAt === null || Date.parse(k.retiredAt) + retiredGraceSeconds * 1000 > now.getTime());
}

/** Loads the signing keys, generating them when none exist. Active keys come first. */
export async function loadSigningKeys(keysDir: string, retiredGraceSeconds: number, now = new Date()): Promise<{ keys: JWK[]; generated: boolean }> {
  let file = readKeyFile(keysDir);
  let generated = false;
  if (!file || file.keys.length === 0) {
    file = { keys: await freshKeys(now) };
    writePrivate(path.join(keysDir, SIGNING_FILE), file);
    generated = true;
  }
  const published = live(file.keys, now, retiredGraceSeconds);
  const ordered = [...published.filter((k) => k.retiredAt === null), ...published.filter((k) => k.retiredAt !== null)];
  return { keys: ordered.map((k) => k.jwk), generated };
}

/** Adds a new key per algorithm, retires the current ones, drops keys past their grace period. */
export async function rotateSigningKeys(keysDir: string, retiredGraceSeconds: number, now = new Date()): Promise<{ added: string[]; retired: string[]; removed: string[] }> {
  const existing = readKeyFile(keysDir)?.keys ?? [];
  const retired = existing.filter((k) => k.retiredAt === null).map((k) => ({ ...k, retiredAt: now.toISOString() }));
  const previouslyRetired = existing.filter((k) => k.retiredAt !== null);
  const kept = live([...retired, ...previouslyRetired], now, retiredGraceSeconds);
  const added = await freshKeys(now);
  writePrivate(path.join(keysDir, SIGNING_FILE), { keys: [...added, ...kept] });
  const keptIds = new Set(kept.map((k) => k.jwk.kid));
  return {
    added: added.map((k) => k.jwk.kid!),
    retired: retired.map((k) => k.jwk.kid!),
    removed: previouslyRetired.filter((k) => !keptIds.has(k.jwk.kid)).map((k) => k.jwk.kid!),
  };
}

/** Secrets that sign oidc-provider's cookies; generated once, newest first. */
export function loadCookieSecrets(keysDir: string): string[] {
  const file = path.join(keysDir, COOKIE_FILE);
  if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { secrets: string[] }).secrets;
  const secrets = [randomBytes(32).toString('base64url')];
  writePrivate(file, { secrets });
  return secrets;
}
