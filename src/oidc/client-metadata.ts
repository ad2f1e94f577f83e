import type { ClientMetadata } from 'oidc-provider';
import type { Client } from '../clients/types.js';
import { ADMIN_SCOPE } from './settings.js';

/** Extra client metadata our interactions read; declared to oidc-provider so it keeps them. */
export const EXTRA_CLIENT_METADATA = [
  'idp_first_party',
  'idp_tenant_ids',
  'idp_admin',
  'idp_require_pkce',
  'idp_service',
  'idp_api_grants',
  'idp_introspects',
] as const;

const USER_SCOPES = 'openid offline_access profile email';

/** Opens a client_secret_jwt client's sealed secret (the field cipher). */
export type SecretOpener = (client: Client) => string;

/**
 * The provider sees the secret's hash as the client secret; every request's presented
 * secret is hashed on the way in (see client-secret.ts), so the plain secret is
 * never stored and the hash alone authenticates nothing. A client_secret_jwt client is the
 * exception: verifying its HMAC needs the secret itself, opened from its sealed copy.
 *
 * Scopes: the OpenID scopes, and `admin` for admin clients alone. An API's scopes are not
 * listed here (the provider knows only its own): resource-servers.ts admits them per API grant.
 */
export function toClientMetadata(client: Client, openSecret?: SecretOpener): ClientMetadata {
  const interactive = client.redirectUris.length > 0;
  const machine = client.admin || client.service;
  const grantTypes = [...(interactive ? ['authorization_code', 'refresh_token'] : []), ...(machine ? ['client_credentials'] : [])];
  const secret =
    client.tokenEndpointAuthMethod === 'client_secret_jwt' && client.sealedSecret && openSecret ? openSecret(client) : client.secretHash;
  return {
    client_id: client.id,
    client_name: client.name,
    ...(secret ? { client_secret: secret } : {}),
    token_endpoint_auth_method: client.tokenEndpointAuthMethod,
    ...(client.tokenEndpointAuthMethod === 'client_secret_jwt' ? { token_endpoint_auth_signing_alg: 'HS256' } : {}),
    ...(client.jwks ? { jwks: client.jwks as ClientMetadata['jwks'] } : {}),
    ...(client.jwksUri ? { jwks_uri: client.jwksUri } : {}),
    redirect_uris: client.redirectUris,
    post_logout_redirect_uris: client.postLogoutRedirectUris,
    grant_types: grantTypes,
    response_types: interactive ? ['code'] : [],
    // Never empty: the provider reads an empty list as "any scope", `admin` included.
    scope: client.admin ? `${USER_SCOPES} ${ADMIN_SCOPE}` : USER_SCOPES,
    require_pushed_authorization_requests: client.requirePushedAuthorizationRequests,
    dpop_bound_access_tokens: client.dpopBoundAccessTokens,
    subject_type: client.subjectType,
    idp_first_party: client.firstParty,
    idp_tenant_ids: client.tenantIds,
    idp_admin: client.admin,
    idp_require_pkce: client.requirePkce,
    idp_service: client.service,
    idp_api_grants: client.apiGrants,
    idp_introspects: client.introspects,
  };
}
