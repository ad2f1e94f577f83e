import type { ApiGrant } from '../apis/types.js';

export type TokenEndpointAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'client_secret_jwt' | 'private_key_jwt' | 'none';
export type SubjectType = 'public' | 'pairwise';

/** A public JWK, as a client publishes its keys for private_key_jwt and signed request objects. */
export type PublicJwk = Record<string, unknown> & { kty: string };

export interface Client {
  /** The OAuth client_id. */
  id: string;
  name: string;
  /** SHA-256 (hex) of the secret; null for public clients (PKCE) and private_key_jwt clients (keys). */
  secretHash: string | null;
  /**
   * client_secret_jwt only: the secret itself, sealed with the field cipher, because verifying an
   * HMAC-signed assertion needs it. Every other client has null: its secret is kept only hashed.
   */
  sealedSecret: string | null;
  tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  /** The client's public keys (private_key_jwt, signed request objects), inline or by URL; at most one of the two. */
  jwks: { keys: PublicJwk[] } | null;
  jwksUri: string | null;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  /** Tenant ids whose people may sign in to this client; empty means every tenant (the API says null). */
  tenantIds: string[];
  /** May obtain `admin`-scoped tokens with client credentials to call the admin API. */
  admin: boolean;
  /** A machine client: client credentials for its granted APIs only, no sign-in, no admin power. */
  service: boolean;
  /** APIs it may get access tokens for, and with which of their scopes. */
  apiGrants: ApiGrant[];
  /** APIs whose access tokens this client may introspect: how an API checks opaque tokens. */
  introspects: string[];
  /** Our own application: consent is not asked. */
  firstParty: boolean;
  /**
   * Code flows must use PKCE (S256). On by default for every client (OAuth 2.1); an
   * administrator may turn it off for one legacy confidential client, never a public one.
   */
  requirePkce: boolean;
  /** Authorization requests only through PAR (RFC 9126). */
  requirePushedAuthorizationRequests: boolean;
  /** Access and refresh tokens only DPoP-bound (RFC 9449). */
  dpopBoundAccessTokens: boolean;
  /** pairwise: each client sees its own `sub` for a person. */
  subjectType: SubjectType;
  createdAt: string;
  updatedAt: string;
}

export type PublicClient = Omit<Client, 'secretHash' | 'sealedSecret'> & { public: boolean };

export function toPublicClient(client: Client): PublicClient {
  const { secretHash: _hash, sealedSecret: _sealed, ...rest } = client;
  return { ...rest, public: client.tokenEndpointAuthMethod === 'none' };
}

type Added =
  | 'requirePkce'
  | 'sealedSecret'
  | 'jwks'
  | 'jwksUri'
  | 'service'
  | 'apiGrants'
  | 'introspects'
  | 'requirePushedAuthorizationRequests'
  | 'dpopBoundAccessTokens'
  | 'subjectType';

/** Fields added after the first release get their defaults when an older record is read. */
export function withClientDefaults(stored: Omit<Client, Added> & Partial<Pick<Client, Added>>): Client {
  return {
    requirePkce: true,
    sealedSecret: null,
    jwks: null,
    jwksUri: null,
    service: false,
    apiGrants: [],
    introspects: [],
    requirePushedAuthorizationRequests: false,
    dpopBoundAccessTokens: false,
    subjectType: 'public',
    ...stored,
  };
}
