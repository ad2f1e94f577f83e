import type { ClientMetadata } from 'oidc-provider';
import type { Client } from '../clients/types.js';

/** Extra client metadata our interactions read; declared to oidc-provider so it keeps them. */
export const EXTRA_CLIENT_METADATA = [
  'idp_first_party',
  'idp_tenant_ids',
  'idp_admin',
  'idp_require_pkce',
  // oidc-provider 9 has no front-channel logout of its own: ours reads these (frontchannel-logout.ts).
  'frontchannel_logout_uri',
  'frontchannel_logout_session_required',
] as const;

export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

const USER_SCOPES = 'openid offline_access profile email';

/**
 * The provider sees the secret's hash as the client secret; every request's presented
 * secret is hashed on the way in (see client-secret-hashing.ts), so the plain secret is
 * never stored and the hash alone authenticates nothing.
 */
export function toClientMetadata(client: Client): ClientMetadata {
  const interactive = client.redirectUris.length > 0;
  const grantTypes = [
    ...(interactive ? ['authorization_code'] : []),
    ...(client.deviceFlow ? [DEVICE_CODE_GRANT] : []),
    ...(interactive || client.deviceFlow ? ['refresh_token'] : []),
    ...(client.admin ? ['client_credentials'] : []),
  ];
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
    ...(client.backchannelLogoutUri
      ? {
          backchannel_logout_uri: client.backchannelLogoutUri,
          backchannel_logout_session_required: client.backchannelLogoutSessionRequired,
        }
      : {}),
    ...(client.frontchannelLogoutUri
      ? {
          frontchannel_logout_uri: client.frontchannelLogoutUri,
          frontchannel_logout_session_required: client.frontchannelLogoutSessionRequired,
        }
      : {}),
  };
}
