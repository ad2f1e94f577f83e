import { createHmac, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import type { FieldCipher } from '../crypto/field-cipher.js';
import { maskPersonalNumber } from './personal-number.js';
import type { Account, StoredPersonalNumber } from './types.js';

/** Sealed documents in the store, created once (the keys capability's store; only these two calls are needed). */
export interface SealedDocuments {
  read(name: string): Promise<{ sealed: string; version: number } | undefined>;
  /** Inserts unless the name exists; true when this call created it. */
  create(name: string, sealed: string): Promise<boolean>;
  /** Writes only if the stored version is still `version`. */
  replace(name: string, version: number, sealed: string): Promise<boolean>;
}

/** The store's document holding the HMAC key of personnummer hashes. */
export const PERSONAL_NUMBER_KEY_DOCUMENT = 'personal-number-key';
const documentContext = `keys:${PERSONAL_NUMBER_KEY_DOCUMENT}`;
const sealContext = (accountId: string) => `personal-number:${accountId}`;

/**
 * Personnummer on accounts, never in the clear: a keyed hash to find the account by (per
 * tenant, so the same person in two tenants is not the same value) and the number sealed with
 * the data-at-rest key, opened only to show it masked. The HMAC key is random, made once per
 * store and kept in it sealed with ENCRYPTION_KEYS (like the store's other keys): the same on
 * every node and for the CLI, untouched by rotating ENCRYPTION_KEYS, and a copy of the database
 * alone cannot test the few thousand numbers of a birth date against a hash.
 */
export class PersonalNumbers {
  private key: Promise<KeyObject> | null = null;

  constructor(
    private readonly documents: SealedDocuments,
    private readonly cipher: FieldCipher,
  ) {}

  private loadKey(): Promise<KeyObject> {
    this.key ??= (async () => {
      let found = await this.documents.read(PERSONAL_NUMBER_KEY_DOCUMENT);
      if (!found) {
        // Of nodes racing here, the first insert wins and everyone reads the winner's key.
        await this.documents.create(PERSONAL_NUMBER_KEY_DOCUMENT, this.cipher.seal(randomBytes(32).toString('base64url'), documentContext));
        found = await this.documents.read(PERSONAL_NUMBER_KEY_DOCUMENT);
        if (!found) throw new Error('the personal-number key vanished after it was created');
      }
      return createSecretKey(Buffer.from(this.cipher.open(found.sealed, documentContext), 'base64url'));
    })().catch((error: unknown) => {
      this.key = null;
      throw error;
    });
    return this.key;
  }

  /** The sealed HMAC key as stored (absent until the first personnummer), with a check that the configured keys open it. */
  async keySample(): Promise<{ sealed: string; open: () => void } | null> {
    const found = await this.documents.read(PERSONAL_NUMBER_KEY_DOCUMENT);
    return found ? { sealed: found.sealed, open: () => void this.cipher.open(found.sealed, documentContext) } : null;
  }

  /** Seals the HMAC key again with the newest data-at-rest key, if it is not already; true when it did. */
  async resealKey(): Promise<boolean> {
    const found = await this.documents.read(PERSONAL_NUMBER_KEY_DOCUMENT);
    if (!found || this.cipher.isCurrent(found.sealed)) return false;
    const resealed = this.cipher.seal(this.cipher.open(found.sealed, documentContext), documentContext);
    // A concurrent reseal that came first did the same.
    return this.documents.replace(PERSONAL_NUMBER_KEY_DOCUMENT, found.version, resealed);
  }

  /** What accounts are looked up by: the normalised (12-digit) number of a person in a tenant. */
  async hashOf(tenantId: string, normalized: string): Promise<string> {
    return createHmac('sha256', await this.loadKey())
      .update(`${tenantId}\n${normalized}`)
      .digest('base64url');
  }

  /** The stored form of a normalised number for an account. */
  async protect(tenantId: string, accountId: string, normalized: string): Promise<StoredPersonalNumber> {
    return { hash: await this.hashOf(tenantId, normalized), sealed: this.cipher.seal(normalized, sealContext(accountId)) };
  }

  /** The account's number as it may be shown: `19811218-****`, or null without one. */
  masked(account: Account): string | null {
    return account.personalNumber ? maskPersonalNumber(this.cipher.open(account.personalNumber.sealed, sealContext(account.id))) : null;
  }

  /** Proves the configured keys open the sealed number (checked at start). */
  open(account: Account & { personalNumber: StoredPersonalNumber }): void {
    this.cipher.open(account.personalNumber.sealed, sealContext(account.id));
  }

  /** The number sealed again with the newest key, or null when it already is. */
  resealed(account: Account): StoredPersonalNumber | null {
    const stored = account.personalNumber;
    if (!stored || this.cipher.isCurrent(stored.sealed)) return null;
    return { ...stored, sealed: this.cipher.seal(this.cipher.open(stored.sealed, sealContext(account.id)), sealContext(account.id)) };
  }
}
