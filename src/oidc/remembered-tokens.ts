import { KeptByRevision } from '../storage/kept-by-revision.js';
import { copyOf, deepFreeze } from '../storage/plain-data.js';
import type { Storage } from '../storage/port.js';
import type { OidcPayload, OidcPayloadRepository } from './repository.js';

/** Ids longer than this are looked up but never remembered (a stranger's ids must not fill memory). */
const MAX_REMEMBERED_ID_LENGTH = 128;
/** Ids found absent, kept at most per kind; past it that memory starts afresh. */
const MAX_ABSENT = 10_000;

interface Remembered {
  /** Frozen: each lookup gets its own copy, since oidc-provider changes what it finds (a grant it extends). */
  payload: OidcPayload;
  expiresAtMs: number;
}

/**
 * What is remembered of each kind the store keeps a revision for (see OidcPayloadRepository.revision):
 * - found: a record found, while the revision of its kind stays the same (revoking, consuming or
 *   changing any record of that kind, by any process, moves it) and until its `exp`. Not for
 *   refresh tokens: every rotation moves their revision anyway, and reuse detection must see a
 *   token consumed by another node at once, so that it ends the whole grant;
 * - absent: a value not found. Token values are random and handed out only once stored, and a
 *   token is never stored again after it was removed, so a value absent now stays absent. Not
 *   for grants: a grant removed while its consent page was open is stored again by that page.
 *   A lookup may race this process's own write of the same value: each write forgets it.
 */
const REMEMBERED: Readonly<Record<string, { found: boolean; absent: boolean }>> = {
  AccessToken: { found: true, absent: true },
  ClientCredentials: { found: true, absent: true },
  RefreshToken: { found: false, absent: true },
  Grant: { found: true, absent: false },
};

/**
 * An API calls userinfo or introspection with the same token again and again: those lookups
 * are answered from memory here (see REMEMBERED), so a hit costs no keyed hash and no statement.
 * This layer sits above HashedIdPayloads, keyed by the token values themselves: a heap
 * snapshot or core dump of the process would show them, as it shows the process's keys.
 */
export class RememberedTokens implements OidcPayloadRepository {
  /** Per kind (REMEMBERED): what it keeps, each null where it keeps none of that. */
  private readonly memory = new Map(
    Object.entries(REMEMBERED).map(([model, { found, absent }]) => [
      model,
      { found: found ? new KeptByRevision<Remembered>() : null, absent: absent ? new Set<string>() : null },
    ]),
  );

  constructor(private readonly stored: OidcPayloadRepository) {}

  async find(model: string, id: string): Promise<OidcPayload | undefined> {
    const memory = this.memory.get(model);
    const revision = memory && id.length <= MAX_REMEMBERED_ID_LENGTH ? this.stored.revision(model) : null;
    if (!memory || revision === null) return this.stored.find(model, id);
    const { found, absent } = memory;
    if (absent?.has(id)) return undefined;
    const hit = found?.get(revision, id);
    if (hit) return hit.expiresAtMs > Date.now() ? copyOf(hit.payload) : undefined;
    const payload = await this.stored.find(model, id);
    if (!payload) {
      if (absent && absent.size >= MAX_ABSENT) absent.clear();
      absent?.add(id);
    } else if (found && typeof payload.exp === 'number') {
      found.keep(revision, id, { payload: deepFreeze(copyOf(payload)), expiresAtMs: payload.exp * 1000 });
    }
    return payload;
  }

  async upsert(model: string, id: string, payload: OidcPayload, expiresAt: number | undefined): Promise<void> {
    const absent = this.memory.get(model)?.absent;
    absent?.delete(id);
    await this.stored.upsert(model, id, payload, expiresAt);
    absent?.delete(id);
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
    return this.stored.consume(model, id, at);
  }

  destroy(model: string, id: string) {
    return this.stored.destroy(model, id);
  }

  revokeByGrantId(grantId: string) {
    return this.stored.revokeByGrantId(grantId);
  }

  revokeByAccountId(accountId: string, keepSessionId?: string, keepGrantIds?: readonly string[]) {
    return this.stored.revokeByAccountId(accountId, keepSessionId, keepGrantIds);
  }

  revision(model: string) {
    return this.stored.revision(model);
  }

  purgeExpired(now: number) {
    return this.stored.purgeExpired(now);
  }
}

/** The same store, lookups of its tokens remembered (outermost: above the hashing of ids). */
export function withRememberedTokens(storage: Storage): Storage {
  return { ...storage, oidc: new RememberedTokens(storage.oidc) };
}
