/** Lifetimes, in seconds, of what the provider issues. */
export const TOKEN_TTL = {
  AccessToken: 60 * 60,
  AuthorizationCode: 60,
  ClientCredentials: 10 * 60,
  IdToken: 60 * 60,
  /** Sliding: each rotation issues a fresh one; an idle refresh token dies after this. */
  RefreshToken: 14 * 24 * 60 * 60,
  Interaction: 60 * 60,
  Session: 14 * 24 * 60 * 60,
  Grant: 14 * 24 * 60 * 60,
} as const;

/** A retired signing key stays published this long: longer than any token it signed lives. */
export const RETIRED_KEY_GRACE_SECONDS = TOKEN_TTL.IdToken + 24 * 60 * 60;

export const ROUTES = {
  authorization: '/auth',
  token: '/token',
  userinfo: '/me',
  jwks: '/jwks',
  revocation: '/token/revocation',
  introspection: '/token/introspection',
  end_session: '/session/end',
  pushed_authorization_request: '/request',
} as const;

export const INTERACTION_PATH = '/interaction';
export const ADMIN_SCOPE = 'admin';

/** Authentication context classes we issue: a password alone, or a password and a second factor. */
export const ACR_PASSWORD = 'urn:idp:acr:pwd';
export const ACR_MFA = 'urn:idp:acr:mfa';
