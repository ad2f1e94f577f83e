import type { Database } from './database.js';

/** Records kept per table at most; past it the cache starts afresh. */
const MAX_KEPT = 10_000;

/**
 * Records of one table kept parsed while the table's revision (moved by triggers in the same
 * transaction as every change, by any connection: see revisionTriggers) stays the same, so a hot
 * lookup by id costs one read of a counter instead of a row to parse. A kept record is what the
 * store held at the revision it is filed under, never older. Nothing is kept from inside an open
 * transaction (it may yet roll back). Kept records are shared by every reader, so they are frozen.
 */
export class RevisionCache<T extends object> {
  private kept = new Map<string, T>();
  private keptRevision: number | null = null;

  constructor(
    private readonly db: Database,
    private readonly table: string,
  ) {}

  read(id: string, load: () => T | null): T | null {
    const revision = this.db.revision(this.table);
    if (revision === null) return load();
    if (revision !== this.keptRevision) {
      this.kept = new Map();
      this.keptRevision = revision;
    }
    const hit = this.kept.get(id);
    if (hit) return hit;
    const loaded = load();
    if (loaded) {
      if (this.kept.size >= MAX_KEPT) this.kept = new Map();
      this.kept.set(id, deepFreeze(loaded));
    }
    return loaded;
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const nested of Object.values(value)) deepFreeze(nested);
  }
  return value;
}
