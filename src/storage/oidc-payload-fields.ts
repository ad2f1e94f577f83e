import type { OidcPayload } from '../oidc/repository.js';

/** Sessions and interactions keep the account inside; grants, codes and tokens at the top. */
export function accountOf(payload: OidcPayload): string | null {
  const nested = (payload.session as { accountId?: unknown } | undefined)?.accountId;
  const id = payload.accountId ?? nested;
  return typeof id === 'string' ? id : null;
}
