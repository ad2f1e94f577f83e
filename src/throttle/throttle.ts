import type { RateLimitRepository } from './repository.js';

export interface ThrottleRule {
  /** Hits allowed per window. */
  limit: number;
  windowSeconds: number;
}

export type ThrottleVerdict = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/**
 * Fixed-window counting in the shared store, so every node sees the same count.
 * It only slows a source down; it never locks anyone's account.
 */
export class Throttle {
  constructor(
    private readonly counters: RateLimitRepository,
    private readonly rule: ThrottleRule,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async hit(key: string): Promise<ThrottleVerdict> {
    const now = this.clock().getTime();
    const windowMs = this.rule.windowSeconds * 1000;
    const windowStart = Math.floor(now / windowMs) * windowMs;
    const count = await this.counters.hit(key, windowStart, windowStart + windowMs);
    if (count <= this.rule.limit) return { allowed: true };
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((windowStart + windowMs - now) / 1000)) };
  }
}
