import type { JWK } from 'jose';
import { SIGNING_ALGORITHMS, type StoredKey } from '../oidc/key-files.js';

/**
 * A signing key's state follows from its dates alone, so every node computes the same at the
 * same time without anybody writing at the moment a key starts signing:
 * - next: published, signs from `activatesAt` on (a rotation adds it a publish delay ahead);
 * - current: the newest key of its algorithm that has activated and is not retired; it signs;
 * - retiring: superseded by a newer current key (or retired explicitly): it signs nothing but
 *   stays published until every token it signed has expired (the grace period), then drops out.
 */
export type KeyState = 'next' | 'current' | 'retiring';

export interface KeyStatus {
  kid: string;
  alg: string;
  state: KeyState;
  createdAt: string;
  activatesAt: string;
  /** When it stopped signing (retiring keys). */
  retiringSince: string | null;
  /** When it leaves the JWKS (retiring keys). */
  unpublishedAt: string | null;
}

const activation = (key: StoredKey) => Date.parse(key.activatesAt ?? key.createdAt);

/** The state of every key still published at `now`, in the order the keystore gets them: current, next, retiring. */
export function keyStatuses(keys: StoredKey[], now: Date, graceSeconds: number): KeyStatus[] {
  const at = now.getTime();
  const out: KeyStatus[] = [];
  for (const alg of SIGNING_ALGORITHMS) {
    const ofAlg = keys.filter((k) => k.jwk.alg === alg).sort((a, b) => activation(b) - activation(a));
    let successor: number | undefined;
    for (const key of ofAlg) {
      const activatesAt = new Date(activation(key)).toISOString();
      let state: KeyState;
      let since: number | undefined;
      if (key.retiredAt !== null) {
        state = 'retiring';
        since = Date.parse(key.retiredAt);
      } else if (activation(key) > at) {
        state = 'next';
      } else if (successor === undefined) {
        state = 'current';
      } else {
        state = 'retiring';
        since = successor;
      }
      if (state !== 'next' && key.retiredAt === null) successor = activation(key);
      const until = since === undefined ? undefined : since + graceSeconds * 1000;
      if (until !== undefined && until <= at) continue;
      out.push({
        kid: key.jwk.kid, alg, state, createdAt: key.createdAt, activatesAt,
        retiringSince: since === undefined ? null : new Date(since).toISOString(),
        unpublishedAt: until === undefined ? null : new Date(until).toISOString(),
      });
    }
  }
  const rank: Record<KeyState, number> = { current: 0, next: 1, retiring: 2 };
  return out.sort((a, b) => rank[a.state] - rank[b.state]);
}

/** The JWKS to give oidc-provider at `now`: current keys first (they sign), then next and retiring ones (published only). */
export function publishedKeys(keys: StoredKey[], now: Date, graceSeconds: number): JWK[] {
  const byKid = new Map(keys.map((k) => [k.jwk.kid, k]));
  return keyStatuses(keys, now, graceSeconds).map((s) => byKid.get(s.kid)!.jwk as JWK);
}

/** Keys past their grace period, which a rotation may delete. */
export function expiredKeys(keys: StoredKey[], now: Date, graceSeconds: number): StoredKey[] {
  const live = new Set(keyStatuses(keys, now, graceSeconds).map((s) => s.kid));
  return keys.filter((k) => !live.has(k.jwk.kid));
}
