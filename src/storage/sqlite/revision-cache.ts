import { KeptByRevision } from '../kept-by-revision.js';
import { deepFreeze } from '../plain-data.js';
import type { Database } from './database.js';

/**
 * Records of one table kept parsed while the table's revision (moved by triggers in the same
 * transaction as every change, by any connection: see revisionTriggers) stays the same, so a hot
 * lookup by id costs one read of a counter instead of a row to parse. Nothing is kept from inside
 * an open transaction (it may yet roll back). Kept records are shared by every reader, so they are
 * frozen.
 */
export class RevisionCache<T extends object> {
  private readonly kept = new KeptByRevision<T>();

  constructor(
    private readonly db: Database,
    private readonly table: string,
  ) {}

  read(id: string, load: () => T | null): T | null {
    const revision = this.db.revision(this.table);
    if (revision === null) return load();
    const hit = this.kept.get(revision, id);
    if (hit) return hit;
    const loaded = load();
    if (loaded) this.kept.keep(revision, id, deepFreeze(loaded));
    return loaded;
  }
}
