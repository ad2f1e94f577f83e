import { errors, type KoaContextWithOIDC, type ResourceServer } from 'oidc-provider';
import { clientRules } from './client-rules.js';
import type { ApiGrant } from '../apis/types.js';
import type { Services } from '../services.js';
import { ADMIN_SCOPE } from './settings.js';

/** The OpenID scopes the provider knows itself; every other requested scope names an API's. */
const OIDC_SCOPES = new Set(['openid', 'offline_access', 'profile', 'email', ADMIN_SCOPE]);

type ClientLike = { clientId: string; metadata(): Record<string, unknown> };

const grantsOf = (client: ClientLike): ApiGrant[] => clientRules(client).apiGrants;

function requestedScopes(ctx: KoaContextWithOIDC): string[] {
  const scope = ctx.oidc.params?.scope;
  return typeof scope === 'string' ? scope.split(' ').filter(Boolean) : [];
}

/**
 * RFC 8707 resource indicators on our APIs: a client gets a token for an API only if it was
 * granted that API, with the granted scopes it asks for, and with the API's token format and
 * lifetime. A scope it asks for that is neither an OpenID scope nor granted to it for this API is
 * refused (invalid_scope) rather than silently dropped.
 */
export function resourceIndicators(services: Services) {
  return {
    enabled: true,
    // A service client granted exactly one API needs not name it; otherwise an API's scopes need the API named.
    defaultResource: async (ctx: KoaContextWithOIDC, client: ClientLike, oneOf?: string | string[]) => {
      if (oneOf) return oneOf;
      const grants = grantsOf(client);
      if (clientRules(client).service && grants.length === 1) return grants[0]!.api;
      if (requestedScopes(ctx).some((scope) => !OIDC_SCOPES.has(scope))) {
        throw new errors.InvalidTarget('name the API (resource) whose scopes are requested');
      }
      return undefined;
    },
    // The code's resource is the one the token is for, unless the token request names another.
    useGrantedResource: async () => true,
    getResourceServerInfo: async (ctx: KoaContextWithOIDC, identifier: string, client: ClientLike): Promise<ResourceServer> => {
      const api = await services.apis.findByIdentifier(identifier);
      const grant = grantsOf(client).find((g) => g.api === identifier);
      if (!api || !grant) throw new errors.InvalidTarget('this client may not use that resource');
      const granted = grant.scopes.filter((scope) => api.scopes.includes(scope) && scope !== ADMIN_SCOPE);
      const outside = requestedScopes(ctx).filter((scope) => !OIDC_SCOPES.has(scope) && !granted.includes(scope));
      if (outside.length) throw new errors.InvalidScope('requested scope is not granted to this client for that resource', outside[0]!);
      return {
        scope: granted.join(' '),
        audience: api.identifier,
        accessTokenTTL: api.tokenTtlSeconds,
        accessTokenFormat: api.tokenFormat,
        ...(api.tokenFormat === 'jwt' ? { jwt: { sign: { alg: 'RS256' as const } } } : {}),
      };
    },
  };
}

/**
 * Introspection: a client may introspect its own tokens, and the tokens of an API it was made
 * the introspecting client of (an API checks opaque tokens that way).
 */
export async function introspectionAllowed(
  _ctx: KoaContextWithOIDC,
  client: ClientLike,
  token: { clientId?: string; aud?: string | string[] },
): Promise<boolean> {
  if (token.clientId === client.clientId) return true;
  const introspects = clientRules(client).introspects;
  return typeof token.aud === 'string' && introspects.includes(token.aud);
}
