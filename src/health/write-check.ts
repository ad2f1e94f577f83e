import type { Storage } from '../storage/port.js';

/**
 * Whether a write to the store works, found out by a tiny heartbeat write at most once per
 * interval however often readiness is probed; callers in between share the last answer.
 */
export class WriteCheck {
  private last: { at: number; ok: boolean } | undefined;
  private running: Promise<boolean> | undefined;

  constructor(
    private readonly storage: Pick<Storage, 'heartbeat'>,
    private readonly intervalMs: number,
    private readonly clock: () => number = Date.now,
  ) {}

  async ok(): Promise<boolean> {
    if (this.last && this.clock() - this.last.at < this.intervalMs) return this.last.ok;
    this.running ??= this.storage
      .heartbeat()
      .then(
        () => true,
        () => false,
      )
      .then((ok) => {
        this.last = { at: this.clock(), ok };
        this.running = undefined;
        return ok;
      });
    return this.running;
  }
}
