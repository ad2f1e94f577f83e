import type { KoaContextWithOIDC } from 'oidc-provider';
import { clientRules } from './client-rules.js';
import type { Services } from '../services.js';

interface TokenLike {
  kind: string;
  accountId?: string;
  clientId?: string;
  resourceServer?: { audience?: string | string[] };
}

/**
 * `tenant` on every access token (in the JWT, or in the introspection answer): the person's
 * tenant for a person's token; for a service's token, the API's tenant, else the client's if it
 * is limited to one. Tokens of an API of every tenant, for a service of every tenant, carry none.
 */
export function tenantClaim(services: Services) {
  return async (ctx: KoaContextWithOIDC | undefined, token: TokenLike): Promise<Record<string, unknown> | undefined> => {
    if (token.accountId) {
      // The grant has just loaded the account and its tenant through findAccount (provider.ts).
      const loaded = ctx?.oidc?.account;
      if (loaded?.accountId === token.accountId && typeof loaded.tenantSlug === 'string') return { tenant: loaded.tenantSlug };
      const account = await services.accounts.findById(token.accountId);
      const tenant = account ? await services.tenants.findById(account.tenantId) : null;
      return tenant ? { tenant: tenant.slug } : undefined;
    }
    const audience = token.resourceServer?.audience;
    const api = typeof audience === 'string' ? await services.apis.findByIdentifier(audience) : null;
    const client = ctx?.oidc?.client;
    const tenantIds = client ? clientRules(client).tenantIds : [];
    const tenantId = api?.tenantId ?? (tenantIds.length === 1 ? tenantIds[0]! : null);
    const tenant = tenantId ? await services.tenants.findById(tenantId) : null;
    return tenant ? { tenant: tenant.slug } : undefined;
  };
}
