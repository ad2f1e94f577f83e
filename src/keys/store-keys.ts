import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { FieldCipher } from '../crypto/field-cipher.js';
import {
  KeyFileError, checkCookieSecrets, checkSigningKeys, checkTokenIdKey, readJsonKeyFile, type StoredKey,
} from '../oidc/key-files.js';
import { COOKIE_FILE, SIGNING_FILE, TOKEN_ID_FILE, freshKeys } from '../oidc/keys.js';
import { expiredKeys, keyStatuses, type KeyStatus } from './key-set.js';
import type { KeyDocumentRepository } from './repository.js';

const SIGNING = 'signing-keys';
const COOKIES = 'cookie-secrets';
const TOKEN_ID = 'token-id-key';
const LABEL = 'the signing keys in the store';
const MAX_ATTEMPTS = 5;

export interface RotationResult {
  added: { kid: string; alg: string; activatesAt: string }[];
  removed: string[];
}

/**
 * Signing keys, cookie secrets and the token-id key kept in the store, each a document sealed
 * with ENCRYPTION_KEYS, so a new node needs only DATABASE_URL and ENCRYPTION_KEYS. The first
 * node to start creates each document (insert-if-absent: nodes starting at once all end up with
 * the winner's value); KEYS_DIR files, when present then, are imported instead of new values.
 */
export class StoreKeys {
  constructor(
    private readonly docs: KeyDocumentRepository,
    private readonly cipher: FieldCipher,
  ) {}

  private open<T>(name: string, sealed: string): T {
    return JSON.parse(this.cipher.open(sealed, `keys:${name}`)) as T;
  }

  private seal(name: string, value: unknown): string {
    return this.cipher.seal(JSON.stringify(value), `keys:${name}`);
  }

  /** The document's value, creating it from `initial` when absent; whoever created it first wins. */
  private async readOrCreate<T>(name: string, initial: () => Promise<T>): Promise<{ value: T; created: boolean }> {
    const found = await this.docs.read(name);
    if (found) return { value: this.open<T>(name, found.sealed), created: false };
    const created = await this.docs.create(name, this.seal(name, await initial()));
    const stored = await this.docs.read(name);
    if (!stored) throw new Error(`key document ${name} vanished after it was created`);
    return { value: this.open<T>(name, stored.sealed), created };
  }

  /**
   * Makes sure all three documents exist; KEYS_DIR files present at the first start are imported
   * (validated as strictly as at a file-based start). Returns what this call created or imported.
   */
  async ensure(keysDir: string): Promise<{ generated: string[]; imported: string[] }> {
    const generated: string[] = [];
    const imported: string[] = [];
    const fromFile = <T>(file: string, check: (file: string, content: unknown) => T, fresh: () => T | Promise<T>) => async () => {
      const full = path.join(keysDir, file);
      if (existsSync(full)) {
        imported.push(file);
        return check(full, readJsonKeyFile(full));
      }
      generated.push(file);
      return fresh();
    };
    const signing = await this.readOrCreate(SIGNING, fromFile(SIGNING_FILE, (f, c) => ({ keys: checkSigningKeys(f, c) }), async () => ({ keys: await freshKeys(new Date()) })));
    const cookies = await this.readOrCreate(COOKIES, fromFile(COOKIE_FILE, (f, c) => ({ secrets: checkCookieSecrets(f, c) }), () => ({ secrets: [randomBytes(32).toString('base64url')] })));
    const tokenId = await this.readOrCreate(TOKEN_ID, fromFile(TOKEN_ID_FILE, (f, c) => ({ key: checkTokenIdKey(f, c).toString('base64url') }), () => ({ key: randomBytes(32).toString('base64url') })));
    // What a racing node wrote counts, not what this one prepared.
    const created = new Set([signing.created && SIGNING_FILE, cookies.created && COOKIE_FILE, tokenId.created && TOKEN_ID_FILE]);
    return { generated: generated.filter((f) => created.has(f)), imported: imported.filter((f) => created.has(f)) };
  }

  /** Every stored signing key, each checked (RS256 at least 3072 bits, ES256 on P-256, signs and verifies). */
  async signingKeys(): Promise<StoredKey[]> {
    const found = await this.docs.read(SIGNING);
    if (!found) throw new KeyFileError(`${LABEL} are missing: start a server once to create them`);
    return checkSigningKeys(LABEL, this.open<{ keys: unknown }>(SIGNING, found.sealed));
  }

  async cookieSecrets(): Promise<string[]> {
    const found = await this.docs.read(COOKIES);
    if (!found) throw new KeyFileError('the cookie secrets in the store are missing');
    return checkCookieSecrets('the cookie secrets in the store', this.open(COOKIES, found.sealed));
  }

  async tokenIdKey(): Promise<Buffer> {
    const found = await this.docs.read(TOKEN_ID);
    if (!found) throw new KeyFileError('the token-id key in the store is missing');
    return checkTokenIdKey('the token-id key in the store', this.open(TOKEN_ID, found.sealed));
  }

  async list(graceSeconds: number, now = new Date()): Promise<KeyStatus[]> {
    return keyStatuses(await this.signingKeys(), now, graceSeconds);
  }

  /**
   * Adds a key per algorithm that is published at once and signs after `publishDelaySeconds`;
   * the current keys sign until then and stay published for the grace period after. Keys past
   * their grace period are deleted. A concurrent rotation is not lost: the write is a versioned
   * replace, retried on the newer document.
   */
  async rotate(publishDelaySeconds: number, graceSeconds: number, now = new Date()): Promise<RotationResult> {
    const activatesAt = new Date(now.getTime() + publishDelaySeconds * 1000).toISOString();
    const added = (await freshKeys(now)).map((k) => ({ ...k, activatesAt }));
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
      const found = await this.docs.read(SIGNING);
      if (!found) throw new KeyFileError(`${LABEL} are missing: start a server once to create them`);
      const existing = checkSigningKeys(LABEL, this.open<{ keys: unknown }>(SIGNING, found.sealed));
      const expired = new Set(expiredKeys(existing, now, graceSeconds).map((k) => k.jwk.kid));
      const keys = [...added, ...existing.filter((k) => !expired.has(k.jwk.kid))];
      if (await this.docs.replace(SIGNING, found.version, this.seal(SIGNING, { keys }))) {
        return { added: added.map((k) => ({ kid: k.jwk.kid, alg: k.jwk.alg, activatesAt })), removed: [...expired] };
      }
    }
    throw new Error('the signing keys kept changing while rotating: try again');
  }
}
