import { createPrivateKey, createPublicKey, sign, verify, type JsonWebKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SettingsError } from '../config/settings.js';
import { exposedPaths, type ExposedPath } from '../files/private-files.js';

/**
 * Checks of what KEYS_DIR holds. A file that cannot be used stops the start with a message
 * naming it (never quoting it: it is key material); nothing is silently skipped or replaced.
 */
export class KeyFileError extends SettingsError {}

export const SIGNING_ALGORITHMS = ['RS256', 'ES256'] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

export interface StoredKey {
  jwk: JsonWebKey & { kid: string; alg: SigningAlgorithm };
  createdAt: string;
  /** When it starts signing (a rotated-in key is published first); absent: at createdAt. */
  activatesAt?: string;
  retiredAt: string | null;
}

/** R8 asks for 2048 bits or stronger; issue 12 for RS256 keys of 3072 bits or more. */
export const MIN_RSA_BITS = 3072;
const MIN_SECRET_LENGTH = 32;

export function readJsonKeyFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new KeyFileError(`${file} cannot be read: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new KeyFileError(`${file} is not valid JSON`);
  }
}

/** The stored signing keys, each proven by signing and verifying; at least one active key per algorithm. */
export function checkSigningKeys(file: string, content: unknown): StoredKey[] {
  const keys = (content as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) throw new KeyFileError(`${file} has no "keys" list`);
  keys.forEach((key, index) => checkSigningKey(file, key, index));
  const stored = keys as StoredKey[];
  for (const alg of SIGNING_ALGORITHMS) {
    if (stored.length > 0 && !stored.some((k) => k.jwk.alg === alg && k.retiredAt === null)) {
      throw new KeyFileError(`${file} has no active ${alg} key (run idp keys rotate, or move the file away to generate new keys)`);
    }
  }
  return stored;
}

function checkSigningKey(file: string, key: unknown, index: number): void {
  const { jwk, createdAt, retiredAt } = (key ?? {}) as Partial<StoredKey>;
  const kid = typeof jwk?.kid === 'string' && jwk.kid ? jwk.kid : undefined;
  const refuse = (why: string): never => {
    throw new KeyFileError(`${file}: key ${index + 1}${kid ? ` (kid ${kid})` : ''} ${why}`);
  };
  if (!jwk || typeof jwk !== 'object') refuse('has no jwk');
  if (!kid) refuse('has no kid');
  if (!SIGNING_ALGORITHMS.includes(jwk!.alg as SigningAlgorithm))
    refuse(`has alg ${String(jwk!.alg)}, not one of ${SIGNING_ALGORITHMS.join(', ')}`);
  if (typeof createdAt !== 'string' || Number.isNaN(Date.parse(createdAt))) refuse('has no valid createdAt');
  const { activatesAt } = key as Partial<StoredKey>;
  if (activatesAt !== undefined && (typeof activatesAt !== 'string' || Number.isNaN(Date.parse(activatesAt))))
    refuse('has an invalid activatesAt');
  if (retiredAt !== null && (typeof retiredAt !== 'string' || Number.isNaN(Date.parse(retiredAt)))) refuse('has an invalid retiredAt');
  const why = unusableBecause(jwk!);
  if (why) refuse(why);
}

/** Why a JWK cannot sign for its alg, or undefined when a signature made with it verifies. */
function unusableBecause(jwk: StoredKey['jwk']): string | undefined {
  const rsa = jwk.alg === 'RS256';
  if (jwk.kty !== (rsa ? 'RSA' : 'EC') || (!rsa && jwk.crv !== 'P-256')) return `is not a ${rsa ? 'RSA' : 'P-256'} key as ${jwk.alg} needs`;
  try {
    const privateKey = createPrivateKey({ key: jwk, format: 'jwk' });
    if (rsa && (privateKey.asymmetricKeyDetails?.modulusLength ?? 0) < MIN_RSA_BITS) return `is shorter than ${MIN_RSA_BITS} bits`;
    const publicJwk = rsa ? { kty: jwk.kty, n: jwk.n, e: jwk.e } : { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y };
    const data = Buffer.from('key check');
    const signature = sign('sha256', data, { key: privateKey, ...(rsa ? {} : { dsaEncoding: 'ieee-p1363' as const }) });
    const publicKey = createPublicKey({ key: publicJwk, format: 'jwk' });
    if (!verify('sha256', data, { key: publicKey, ...(rsa ? {} : { dsaEncoding: 'ieee-p1363' as const }) }, signature)) {
      return 'does not verify its own signature (its private and public parts do not match)';
    }
  } catch {
    return 'is not a usable private key';
  }
  return undefined;
}

export function checkCookieSecrets(file: string, content: unknown): string[] {
  const secrets = (content as { secrets?: unknown } | null)?.secrets;
  if (!Array.isArray(secrets) || secrets.length === 0) throw new KeyFileError(`${file} has no "secrets" list`);
  secrets.forEach((secret, index) => {
    if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) {
      throw new KeyFileError(`${file}: secret ${index + 1} is not a string of at least ${MIN_SECRET_LENGTH} characters`);
    }
  });
  return secrets as string[];
}

export function checkTokenIdKey(file: string, content: unknown): Buffer {
  const key = (content as { key?: unknown } | null)?.key;
  const bytes = typeof key === 'string' ? Buffer.from(key, 'base64url') : Buffer.alloc(0);
  if (bytes.length < 32) throw new KeyFileError(`${file} does not hold a key of at least 32 bytes (base64url)`);
  return bytes;
}

/**
 * Key files anyone but the owner may read or change, and a directory others may write to
 * (they could replace the keys). A directory others may only list reveals file names alone.
 */
export function permissiveKeyPaths(keysDir: string, files: string[]): ExposedPath[] {
  return [...exposedPaths([keysDir], 0o022), ...exposedPaths(files, 0o077)];
}
