/** Counters per key in fixed time windows, shared by every node (throttling). */
export interface RateLimitRepository {
  /**
   * Counts one hit for `key` in the window that starts at `windowStart` (epoch ms) and
   * returns the count so far, atomically. The record may be dropped after `expiresAt`.
   */
  hit(key: string, windowStart: number, expiresAt: number): Promise<number>;
  /** Removes windows that ended before `now`; returns how many. */
  purgeExpired(now: number): Promise<number>;
  /** Removes every window of these keys (counters about a purged account); returns how many. */
  deleteKeys(keys: string[]): Promise<number>;
}
