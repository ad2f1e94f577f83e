import type { Tenant } from '../../../tenants/types.js';
import type { OidcConnection, UpstreamIdentity } from '../../types.js';

export type Claims = Record<string, unknown>;

/**
 * What differs between the OpenID Connect kinds. The protocol itself (discovery, code + PKCE, state,
 * nonce, ID token validation) is shared in connector.ts.
 */
export interface OidcProfile {
  /** Extra authorization request parameters (Google's hd, a login hint). */
  authorizationParams(connection: OidcConnection, hint: { email?: string }): Record<string, string>;
  /** Turns verified ID token claims into an identity, refusing what the connection does not allow. */
  identify(claims: Claims, connection: OidcConnection, tenant: Tenant): UpstreamIdentity;
}

export const text = (value: unknown): string | null => (typeof value === 'string' && value.length > 0 ? value : null);

/** amr says the upstream did more than one factor. */
export const upstreamMfa = (claims: Claims): boolean => Array.isArray(claims.amr) && claims.amr.includes('mfa');
