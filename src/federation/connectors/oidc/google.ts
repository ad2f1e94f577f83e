import { FederationRefusal } from '../../types.js';
import { text, type OidcProfile } from './profile.js';
import { genericOidc } from './generic.js';

/**
 * Google Workspace: a generic OpenID provider whose `hd` claim decides. `hd` is sent to narrow
 * the account chooser, but only the `hd` claim in the verified ID token counts: it must be one
 * of the connection's domains. The key is `sub`.
 */
export const google: OidcProfile = {
  authorizationParams(connection, hint) {
    const domains = connection.allowedGoogleDomains;
    return { ...genericOidc.authorizationParams(connection, hint), hd: domains.length === 1 ? domains[0]! : '*' };
  },
  identify(claims, connection, tenant) {
    const hd = text(claims.hd);
    if (!hd || !connection.allowedGoogleDomains.includes(hd.toLowerCase())) {
      throw new FederationRefusal('google_domain_not_allowed', `hd ${hd ?? '(none)'} is not allowed`);
    }
    return genericOidc.identify(claims, connection, tenant);
  },
};
