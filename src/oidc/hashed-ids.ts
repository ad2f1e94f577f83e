import { createCipheriv, createDecipheriv, createHmac, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import type { Storage } from '../storage/port.js';
import type { OidcPayload, OidcPayloadRepository } from './repository.js';

/**
 * The ids of oidc-provider's records (and of ours beside them) are bearer secrets: token and
 * code values, session cookies, sign-in links. They are stored only as an HMAC under a key kept
 * in KEYS_DIR, so a copy of the database alone names no usable token. Every id is hashed alike;
 * uid, user code, grant and account lookups use their own columns and are unchanged.
 *
 * One exception: oidc-provider finds a device code by its user code and then saves it, and an
 * interaction names its device code, so both need the value back. It is kept sealed (AES-256-GCM
 * under a key derived from the same key): the database alone still names no usable device code.
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

  /** The last id hashed: introspection looks one token up as each kind of token at once. */
  private last: { id: string; storageId: string } | null = null;

  private storageId(id: string): string {
    if (id === this.last?.id) return this.last.storageId;
    const storageId = createHmac('sha256', this.key).update(id).digest('base64url');
    this.last = { id, storageId };
    return storageId;
  }

  private sealingKey(): Buffer {
    return createHmac('sha256', this.key).update('seal device code ids').digest();
  }

  private seal(value: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.sealingKey(), iv);
    const sealed = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
    return [iv, cipher.getAuthTag(), sealed].map((part) => part.toString('base64url')).join('.');
  }

  private open(sealed: unknown): string | undefined {
    if (typeof sealed !== 'string') return undefined;
    const [iv, tag, data] = sealed.split('.').map((part) => Buffer.from(part, 'base64url'));
    if (!iv || !tag || !data) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.sealingKey(), iv);
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(data), decipher.final()]).toString('utf8');
    } catch {
      return undefined;
    }
  }

  /** A device code keeps its own value sealed; an interaction its device code's. */
  private sealed(model: string, id: string, payload: OidcPayload): OidcPayload {
    if (model === 'DeviceCode') return { ...payload, sealedId: this.seal(id) };
    if (model === 'Interaction' && typeof payload.deviceCode === 'string') return { ...payload, deviceCode: this.seal(payload.deviceCode) };
    return payload;
  }

  private opened(model: string, payload: OidcPayload | undefined): OidcPayload | undefined {
    if (!payload) return payload;
    if (model === 'DeviceCode') {
      const { sealedId, ...rest } = payload;
      const jti = this.open(sealedId);
      return jti ? { ...rest, jti } : rest;
    }
    if (model === 'Interaction' && payload.deviceCode !== undefined) return { ...payload, deviceCode: this.open(payload.deviceCode) };
    return payload;
  }

  upsert(model: string, id: string, payload: OidcPayload, expiresAt: number | undefined) {
    return this.stored.upsert(model, this.storageId(id), this.sealed(model, id, payload), expiresAt);
  }

  async find(model: string, id: string) {
    return this.opened(model, await this.stored.find(model, this.storageId(id)));
  }

  async findByUid(model: string, uid: string) {
    return this.opened(model, await this.stored.findByUid(model, uid));
  }

  async findByUserCode(model: string, userCode: string) {
    return this.opened(model, await this.stored.findByUserCode(model, userCode));
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

  revokeByAccountId(accountId: string, keepSessionId?: string, keepGrantIds?: readonly string[]) {
    return this.stored.revokeByAccountId(accountId, keepSessionId === undefined ? undefined : this.storageId(keepSessionId), keepGrantIds);
  }

  revision(model: string) {
    return this.stored.revision(model);
  }

  purgeExpired(now: number) {
    return this.stored.purgeExpired(now);
  }
}

/** The same store, its oidc payloads behind HashedIdPayloads. */
export function withHashedIds(storage: Storage, key: Buffer): Storage {
  return { ...storage, oidc: new HashedIdPayloads(storage.oidc, key) };
}
