export type AccessTokenFormat = 'jwt' | 'opaque';

/** A resource server (RFC 8707 resource indicator) whose access tokens this IdP issues. */
export interface Api {
  id: string;
  /** The resource indicator: an absolute URI, the tokens' `aud`. Fixed once created. */
  identifier: string;
  name: string;
  /** The tenant it belongs to; null for an API of every tenant. */
  tenantId: string | null;
  /** Scopes it defines; clients are granted a subset of them. */
  scopes: string[];
  /** RFC 9068 JWT (validated offline against the JWKS) or opaque (validated by introspection). */
  tokenFormat: AccessTokenFormat;
  tokenTtlSeconds: number;
  createdAt: string;
  updatedAt: string;
}

/** A client's permission to get tokens for one API with some of its scopes. */
export interface ApiGrant {
  /** The API's identifier (resource indicator). */
  api: string;
  scopes: string[];
}
