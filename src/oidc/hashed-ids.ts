import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import type { Storage } from '../storage/port.js';
import type { OidcPayload, OidcPayloadRepository } from './repository.js';

/**
 * The ids of oidc-provider's records (and of ours beside them) are bearer secrets: token and
 * code values, session cookies, sign-in links. They are stored only as an HMAC under a key kept
 * in KEYS_DIR, so a copy of the database alone names no usable token. Every id is hashed alike;
 * uid, user code, grant and account lookups use their own columns and are unchanged.
 */
export class HashedIdPayloads implements OidcPayloadRepository {
  /** A key object made once: hashing with it skips the key import each call does with a Buffer (hot path). */
  private readonly key: KeyObject;

  constructor(
    private readonly stored: OidcPayloadRepository,
    key: Buffer,
  ) {
    this.key = createSecretKey(key);
  }

  private storageId(id: string): string {
    return createHmac('sha256', this.key).update(id).digest('base64url');
  }

  upsert(model: string, id: string, payload: OidcPayload, expiresAt: number | undefined) {
    return this.stored.upsert(model, this.storageId(id), payload, expiresAt);
  }

  find(model: string, id: string) {
    return this.stored.find(model, this.storageId(id));
  }

  findByUid(model: string, uid: string) {
    return this.stored.findByUid(model, uid);
  }

  findByUserCode(model: string, userCode: string) {
    return this.stored.findByUserCode(model, userCode);
  }

  findByAccountId(model: string, accountId: string, limit: number) {
    return this.stored.findByAccountId(model, accountId, limit);
  }

  consume(model: string, id: string, at: number) {
    return this.stored.consume(model, this.storageId(id), at);
  }

  destroy(model: string, id: string) {
    return this.stored.destroy(model, this.storageId(id));
  }

  revokeByGrantId(grantId: string) {
    return this.stored.revokeByGrantId(grantId);
  }

  revokeByAccountId(accountId: string, keepSessionId?: string) {
    return this.stored.revokeByAccountId(accountId, keepSessionId === undefined ? undefined : this.storageId(keepSessionId));
  }

  purgeExpired(now: number) {
    return this.stored.purgeExpired(now);
  }
}

/** The same store, its oidc payloads behind HashedIdPayloads. */
export function withHashedIds(storage: Storage, key: Buffer): Storage {
  return { ...storage, oidc: new HashedIdPayloads(storage.oidc, key) };
}
