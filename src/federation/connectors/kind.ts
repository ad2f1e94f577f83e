import type { Tenant } from '../../tenants/types.js';
import type { Connection, UpstreamIdentity } from '../types.js';

export type Claims = Record<string, unknown>;

/**
 * What differs between upstream kinds. The protocol itself (discovery, code + PKCE, state,
 * nonce, ID token validation) is shared; adding a kind is adding one of these.
 */
export interface ConnectorKind {
  /** Extra authorization request parameters (Google's hd, a login hint). */
  authorizationParams(connection: Connection, hint: { email?: string }): Record<string, string>;
  /** Turns verified ID token claims into an identity, refusing what the connection does not allow. */
  identify(claims: Claims, connection: Connection, tenant: Tenant): UpstreamIdentity;
}

export const text = (value: unknown): string | null => (typeof value === 'string' && value.length > 0 ? value : null);

/** amr says the upstream did more than one factor. */
export const upstreamMfa = (claims: Claims): boolean => Array.isArray(claims.amr) && claims.amr.includes('mfa');
