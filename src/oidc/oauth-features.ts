import type { Configuration } from 'oidc-provider';
import { TOKEN_TTL } from '../config/defaults.js';
import type { Services } from '../services.js';
import { pairwiseSubjects } from './pairwise.js';
import { resourceIndicators } from './resource-servers.js';
import { tenantClaim } from './token-claims.js';

/**
 * What decides whether client metadata is valid: the authentication methods, algorithms,
 * subject types and the switches of the features with client metadata of their own. The
 * provider and the metadata check at registration (client-validation.ts) use the same.
 * Each feature is on deliberately (the provider's defaults are not relied on), so discovery
 * advertises exactly these.
 */
export function clientRulesConfiguration() {
  return {
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'client_secret_jwt', 'private_key_jwt', 'none'],
    subjectTypes: ['public', 'pairwise'],
    enabledJWA: {
      idTokenSigningAlgValues: ['RS256', 'ES256'],
      userinfoSigningAlgValues: ['RS256', 'ES256'],
      introspectionSigningAlgValues: ['RS256', 'ES256'],
      authorizationSigningAlgValues: ['RS256', 'ES256'],
      requestObjectSigningAlgValues: ['RS256', 'ES256', 'PS256'],
      // HS256 is client_secret_jwt's; the others private_key_jwt's.
      clientAuthSigningAlgValues: ['HS256', 'RS256', 'ES256', 'PS256'],
      dPoPSigningAlgValues: ['ES256', 'RS256', 'PS256', 'EdDSA'],
    },
    features: {
      clientCredentials: { enabled: true },
      // RFC 9126; a client may be required to use it (require_pushed_authorization_requests).
      pushedAuthorizationRequests: { enabled: true, requirePushedAuthorizationRequests: false, allowUnregisteredRedirectUris: false },
      // Signed request objects (JAR, RFC 9101), optional for every client; unsigned ones are refused ('none' is no algorithm here).
      requestObjects: { enabled: true, requireSignedRequestObject: false },
      // RFC 9449: proofs' jti are kept in the database (replay-cache.ts); a client may be required to bind.
      dPoP: { enabled: true, allowReplay: false },
    },
  } satisfies Partial<Configuration>;
}

/** Resource indicators on our APIs, pairwise subjects and the `tenant` claim on access tokens. */
export function oauthConfiguration(services: Services, pairwiseSecret: Buffer) {
  const pairwise = pairwiseSubjects(pairwiseSecret);
  const rules = clientRulesConfiguration();
  return {
    ...rules,
    pairwiseIdentifier: async (_ctx, accountId, client) => pairwise(accountId, client.clientId),
    extraTokenClaims: tenantClaim(services) as unknown as Configuration['extraTokenClaims'],
    features: {
      ...rules.features,
      resourceIndicators: resourceIndicators(services) as unknown as NonNullable<Configuration['features']>['resourceIndicators'],
    },
  } satisfies Partial<Configuration>;
}

type Ttl = (ctx: unknown, token: { resourceServer?: { accessTokenTTL?: number } }) => number;

/** TOKEN_TTL, except that an access token for an API lives as long as that API says. */
export function tokenLifetimes() {
  const forApi =
    (fallback: number): Ttl =>
    (_ctx, token) =>
      token.resourceServer?.accessTokenTTL ?? fallback;
  return {
    ...TOKEN_TTL,
    AccessToken: forApi(TOKEN_TTL.AccessToken),
    ClientCredentials: forApi(TOKEN_TTL.ClientCredentials),
  } as unknown as NonNullable<Configuration['ttl']>;
}
