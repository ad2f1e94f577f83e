/** Values kept at most; past it the memory starts afresh (only found values are kept, so this bounds real records). */
const MAX_KEPT = 10_000;

/**
 * Values kept by id while a store's revision (see ClientRepository.revision and the SQLite
 * table revisions) stays the same: a revision that moved drops them all. A value is kept only
 * under the revision read before it was loaded, so it is never older than that revision, and
 * not at all if the revision moved while it loaded.
 */
export class KeptByRevision<T> {
  private kept = new Map<string, T>();
  private keptRevision: number | null = null;

  /** The value kept for this id at this revision, if any. */
  get(revision: number, id: string): T | undefined {
    if (revision !== this.keptRevision) {
      this.kept = new Map();
      this.keptRevision = revision;
    }
    return this.kept.get(id);
  }

  /** Keeps a value loaded after `revision` was read. */
  keep(revision: number, id: string, value: T): void {
    if (revision !== this.keptRevision) return;
    if (this.kept.size >= MAX_KEPT) this.kept = new Map();
    this.kept.set(id, value);
  }
}
