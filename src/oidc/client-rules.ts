import type { ApiGrant } from '../apis/types.js';

/** Our extra client metadata, as the rules read it. */
export interface ClientRules {
  firstParty: boolean;
  tenantIds: string[];
  apiGrants: ApiGrant[];
  service: boolean;
  introspects: string[];
  requirePkce: boolean;
}

/**
 * Kept per client instance, since metadata() maps every property name afresh and the token,
 * introspection and userinfo requests each read these several times; oidc-provider makes a new
 * instance whenever a client's record changes, so a changed or removed client is never read
 * from here.
 */
const rulesByClient = new WeakMap<object, ClientRules>();

export function clientRules(client: { metadata(): Record<string, unknown> }): ClientRules {
  let rules = rulesByClient.get(client);
  if (!rules) {
    const metadata = client.metadata();
    rules = {
      firstParty: metadata.idp_first_party === true,
      tenantIds: (metadata.idp_tenant_ids as string[] | undefined) ?? [],
      apiGrants: (metadata.idp_api_grants as ApiGrant[] | undefined) ?? [],
      service: metadata.idp_service === true,
      introspects: (metadata.idp_introspects as string[] | undefined) ?? [],
      requirePkce: metadata.idp_require_pkce !== false,
    };
    rulesByClient.set(client, rules);
  }
  return rules;
}
