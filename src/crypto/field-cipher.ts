import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { EncryptionKey } from './keyring.js';

/** A sealed value that cannot be opened: malformed, unknown key, wrong context or tampered with. */
export class SealedValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SealedValueError';
  }
}

const VERSION = 'v1';
const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Strict base64url: Buffer.from ignores stray characters and spare bits, which would let edits pass unnoticed. */
function decode(part: string): Buffer | null {
  const bytes = Buffer.from(part, 'base64url');
  return bytes.toString('base64url') === part ? bytes : null;
}

/**
 * Encrypts single fields for storage as `v1.<keyId>.<iv>.<ciphertext+tag>`. The context (for
 * example `totp:<accountId>`) is authenticated, so a value copied to another record will not open.
 */
export class FieldCipher {
  private readonly keys: ReadonlyMap<string, Buffer>;
  private readonly current: EncryptionKey;

  /** Keys newest first: the first seals, all of them open. */
  constructor(keys: EncryptionKey[]) {
    if (keys.length === 0) throw new Error('FieldCipher needs at least one encryption key');
    this.current = keys[0]!;
    this.keys = new Map(keys.map((k) => [k.id, k.key]));
  }

  seal(plaintext: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.current.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return [VERSION, this.current.id, iv.toString('base64url'), body.toString('base64url')].join('.');
  }

  open(sealed: string, context: string): string {
    const parts = sealed.split('.');
    if (parts.length !== 4 || parts[0] !== VERSION) throw new SealedValueError('Sealed value has an unknown format');
    const [, keyId, ivPart, bodyPart] = parts as [string, string, string, string];
    const key = this.keys.get(keyId);
    if (!key) throw new SealedValueError(`Sealed value names an unknown key id "${keyId}"`);
    const iv = decode(ivPart);
    const body = decode(bodyPart);
    if (!iv || iv.length !== IV_BYTES || !body || body.length < TAG_BYTES) throw new SealedValueError('Sealed value has an unknown format');

    const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw new SealedValueError('Sealed value does not authenticate: wrong context or tampered with');
    }
  }

  /** Sealed with the newest key; anything else is due for re-encryption. */
  isCurrent(sealed: string): boolean {
    return sealed.startsWith(`${VERSION}.${this.current.id}.`);
  }
}
