/**
 * The typed catalog of domain failures. Each code is a stable id that the HTTP layers
 * map to a status and a message in the person's language; services never speak HTTP.
 */
export const ERROR_CODES = {
  validation_failed: 400,
  not_found: 404,
  conflict: 409,
  invalid_credentials: 401,
  forbidden: 403,
  rate_limited: 429,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface Problem {
  /** Dotted path of the offending field, empty for the whole input. */
  field: string;
  /** Stable id of the rule that failed. */
  code: string;
  message: string;
  /** Values in the rule (e.g. the minimum length), for messages in other languages. */
  params?: Record<string, number>;
}

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly problems: Problem[] = [],
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const notFound = (what: string) => new DomainError('not_found', `${what} not found`);
export const conflict = (message: string) => new DomainError('conflict', message);
export const invalid = (problems: Problem[]) => new DomainError('validation_failed', 'the request is not valid', problems);

/** A store refused a write because it would break a uniqueness rule (slug, e-mail per tenant, id). */
export class ConflictError extends Error {
  constructor(readonly what: string) {
    super(`${what} already exists`);
    this.name = 'ConflictError';
  }
}
