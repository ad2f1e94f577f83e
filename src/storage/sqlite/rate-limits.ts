import type { RateLimitRepository } from '../../throttle/repository.js';
import type { Database } from './database.js';

export class SqliteRateLimits implements RateLimitRepository {
  constructor(private readonly db: Database) {}

  /** One statement: insert-or-increment, then read back, so parallel hits never lose a count. */
  async hit(key: string, windowStart: number, expiresAt: number) {
    return this.db.get<{ count: number }>(
      `INSERT INTO rate_limits (key, window_start, count, expires_at) VALUES ($key, $start, 1, $expires)
       ON CONFLICT (key, window_start) DO UPDATE SET count = count + 1
       RETURNING count`,
      { key, start: windowStart, expires: expiresAt },
    )!.count;
  }

  async deleteKeys(keys: string[]) {
    let removed = 0;
    for (const key of keys) removed += this.db.run('DELETE FROM rate_limits WHERE key = $key', { key }).changes;
    return removed;
  }

  async purgeExpired(now: number) {
    return this.db.run('DELETE FROM rate_limits WHERE expires_at <= $now', { now }).changes;
  }
}
