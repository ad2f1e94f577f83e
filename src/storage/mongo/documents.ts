import type { FindCursor } from 'mongodb';
import { ConflictError } from '../../errors.js';

/** A domain record as stored: its `id` becomes the document's `_id`. */
export type Stored<T extends { id: string }> = Omit<T, 'id'> & { _id: string };

export function toStored<T extends { id: string }>(record: T): Stored<T> {
  const { id, ...rest } = record;
  return { _id: id, ...rest };
}

export function fromStored<T extends { id: string }>(doc: Stored<T>): T {
  const { _id, ...rest } = doc;
  return { id: _id, ...rest } as unknown as T;
}

export function fromStoredOrNull<T extends { id: string }>(doc: Stored<T> | null): T | null {
  return doc ? fromStored(doc) : null;
}

/** Records after the page's cursor, as SQLite's `id > $after`. */
export function afterCursor(after: string | undefined) {
  return { _id: { $gt: after ?? '' } };
}

/** The driver reads limit(0) as "no limit"; SQLite's LIMIT 0 returns nothing. */
export async function take<T>(cursor: FindCursor<T>, limit: number): Promise<T[]> {
  if (limit <= 0) {
    await cursor.close();
    return [];
  }
  return cursor.limit(limit).toArray();
}

/** Runs a write; a duplicate key (code 11000) becomes a ConflictError naming `what`. */
export async function conflictAs<R>(what: string, write: () => Promise<R>): Promise<R> {
  try {
    return await write();
  } catch (error) {
    if (isDuplicateKey(error)) throw new ConflictError(what);
    throw error;
  }
}

/** Duck-typed: driver errors may come from another realm under test runners, so instanceof fails. */
function isDuplicateKey(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 11000;
}
