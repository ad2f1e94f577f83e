export const ROUTES = {
  authorization: '/auth',
  token: '/token',
  userinfo: '/me',
  jwks: '/jwks',
  revocation: '/token/revocation',
  introspection: '/token/introspection',
  end_session: '/session/end',
  pushed_authorization_request: '/request',
  device_authorization: '/device/auth',
  code_verification: '/device',
} as const;

/**
 * Whether a request path reaches this provider route. oidc-provider matches paths
 * case-insensitively and with one trailing slash dropped, so a check placed in front of one of
 * its routes must match the same way (or `/Device` and `/device/` would walk around it).
 */
export function reachesRoute(path: string, route: string): boolean {
  const folded = path.toUpperCase();
  const target = route.toUpperCase();
  return folded === target || folded === `${target}/`;
}

export const INTERACTION_PATH = '/interaction';
/** Upstream identity providers send people back under here. */
export const FEDERATION_PATH = '/federation';
export const ADMIN_SCOPE = 'admin';

/** Authentication context classes we issue: a password alone, or a password and a second factor. */
export const ACR_PASSWORD = 'urn:idp:acr:pwd';
export const ACR_MFA = 'urn:idp:acr:mfa';
