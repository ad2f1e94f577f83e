import type { Storage } from './port.js';

/**
 * Removes what has expired: oidc records (interactions and sign-in flows, sessions, codes,
 * tokens), throttle windows and one-time links. MongoDB's TTL index also does it by itself;
 * on SQLite only this does. Returns how many records of each went.
 */
export async function purgeExpired(storage: Storage, now = Date.now()): Promise<{ oidc: number; rateLimits: number; tokens: number }> {
  const [oidc, rateLimits, tokens] = await Promise.all([
    storage.oidc.purgeExpired(now),
    storage.rateLimits.purgeExpired(now),
    storage.tokens.purgeExpired(new Date(now).toISOString()),
  ]);
  return { oidc, rateLimits, tokens };
}
