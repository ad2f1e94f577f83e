/** A write refused because it would break a uniqueness rule (slug, e-mail per tenant, id). */
export class ConflictError extends Error {
  constructor(readonly what: string) {
    super(`${what} already exists`);
    this.name = 'ConflictError';
  }
}
