/**
 * The store cannot take the request now: locked by another process past the retry budget,
 * full, read-only or failing. Callers answer 503 with Retry-After, not 500.
 */
export class StoreUnavailableError extends Error {
  constructor(
    readonly reason: 'busy' | 'failing',
    options?: { cause?: unknown },
  ) {
    super(reason === 'busy' ? 'the database is locked by another process' : 'the database cannot be written', options);
    this.name = 'StoreUnavailableError';
  }
}

/**
 * MongoDB driver errors that mean the replica set cannot be reached or has no primary now
 * (src/storage/mongo/index.ts bounds how long the driver waits before raising them).
 */
const MONGO_UNREACHABLE = new Set([
  'MongoServerSelectionError',
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
  'MongoWriteConcernError',
  'MongoPoolClearedError',
]);

/** The StoreUnavailableError behind an error, itself or along its causes (the oidc adapter wraps it). */
export function storeUnavailable(error: unknown): StoreUnavailableError | undefined {
  for (let current = error, depth = 0; current && depth < 5; current = (current as { cause?: unknown }).cause, depth += 1) {
    if (current instanceof StoreUnavailableError) return current;
    if (MONGO_UNREACHABLE.has((current as { name?: string }).name ?? '')) return new StoreUnavailableError('failing', { cause: current });
  }
  return undefined;
}
