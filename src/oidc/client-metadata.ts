import type { ClientMetadata } from 'oidc-provider';
import type { Client } from '../clients/types.js';

/** Extra client metadata our interactions read; declared to oidc-provider so it keeps them. */
export const EXTRA_CLIENT_METADATA = ['idp_first_party', 'idp_tenant_ids', 'idp_admin', 'idp_require_pkce'] as const;

const USER_SCOPES = 'openid offline_access profile email';

/**
 * The provider sees the secret's hash as the client secret; every request's presented
 * secret is hashed on the way in (see client-secret-hashing.ts), so the plain secret is
 * never stored and the hash alone authenticates nothing.
 */
export function toClientMetadata(client: Client): ClientMetadata {
  const interactive = client.redirectUris.length > 0;
  const grantTypes = [...(interactive ? ['authorization_code', 'refresh_token'] : []), ...(client.admin ? ['client_credentials'] : [])];
  return {
    client_id: client.id,
    client_name: client.name,
    ...(client.secretHash ? { client_secret: client.secretHash } : {}),
    token_endpoint_auth_method: client.tokenEndpointAuthMethod,
    redirect_uris: client.redirectUris,
    post_logout_redirect_uris: client.postLogoutRedirectUris,
    grant_types: grantTypes,
    response_types: interactive ? ['code'] : [],
    scope: client.admin ? `${USER_SCOPES} admin` : USER_SCOPES,
    idp_first_party: client.firstParty,
    idp_tenant_ids: client.tenantIds,
    idp_admin: client.admin,
    idp_require_pkce: client.requirePkce,
  };
}
