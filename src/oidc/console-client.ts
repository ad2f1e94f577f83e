import type { ClientMetadata } from 'oidc-provider';
import { ADMIN_SCOPE } from './settings.js';

/**
 * The built-in admin console: a public client (PKCE S256) that people sign in to through the
 * hosted pages. Its access tokens, and no other client's user tokens, carry the `admin` scope
 * the admin API accepts for a person with a role (src/admin/auth.ts).
 */
export const CONSOLE_CLIENT_ID = 'idp-console';
export const CONSOLE_PATH = '/console';

export function consoleClientMetadata(issuer: string): ClientMetadata {
  return {
    client_id: CONSOLE_CLIENT_ID,
    client_name: 'Admin console',
    token_endpoint_auth_method: 'none',
    response_types: ['code'],
    // No refresh tokens: a console session lasts as long as its access token, then signs in again.
    grant_types: ['authorization_code'],
    redirect_uris: [`${issuer}${CONSOLE_PATH}/callback`],
    post_logout_redirect_uris: [`${issuer}${CONSOLE_PATH}/`],
    scope: `openid ${ADMIN_SCOPE}`,
    idp_first_party: true,
    idp_tenant_ids: [],
    idp_require_pkce: true,
  };
}

/** Only the console may carry `admin` on a person's token. */
export const mayGrantAdminScope = (clientId: string): boolean => clientId === CONSOLE_CLIENT_ID;
