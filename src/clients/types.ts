import type { RoleName } from '../roles/types.js';

export type TokenEndpointAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none';

export interface Client {
  /** The OAuth client_id. */
  id: string;
  name: string;
  /** SHA-256 (hex) of the secret; null for public clients, which must use PKCE. */
  secretHash: string | null;
  tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  /** Tenant ids whose people may sign in to this client; empty means every tenant (the API says null). */
  tenantIds: string[];
  /** May obtain `admin`-scoped tokens with client credentials to call the admin API. */
  admin: boolean;
  /** What an admin client may do there (null for other clients); admin clients from before roles are super-admins. */
  adminRole: RoleName | null;
  /** The tenants a tenant-scoped admin role covers (empty: every tenant, for super-admin or an auditor of all). */
  adminTenantIds: string[];
  /** Our own application: consent is not asked. */
  firstParty: boolean;
  /**
   * Code flows must use PKCE (S256). On by default for every client (OAuth 2.1); an
   * administrator may turn it off for one legacy confidential client, never a public one.
   */
  requirePkce: boolean;
  createdAt: string;
  updatedAt: string;
}

export type PublicClient = Omit<Client, 'secretHash'> & { public: boolean };

export function toPublicClient(client: Client): PublicClient {
  const { secretHash, ...rest } = client;
  return { ...rest, public: secretHash === null };
}

/** Fields added after the first release get their defaults when an older record is read. */
export function withClientDefaults(
  stored: Omit<Client, 'requirePkce' | 'adminRole' | 'adminTenantIds'> &
    Partial<Pick<Client, 'requirePkce' | 'adminRole' | 'adminTenantIds'>>,
): Client {
  return { requirePkce: true, adminRole: stored.admin ? 'super-admin' : null, adminTenantIds: [], ...stored };
}
