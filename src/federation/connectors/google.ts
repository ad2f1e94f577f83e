import { FederationRefusal } from '../types.js';
import { text, upstreamMfa, type ConnectorKind } from './kind.js';

/**
 * Google Workspace. `hd` is sent to narrow the account chooser, but only the `hd` claim in the
 * verified ID token decides: it must be one of the connection's domains. The key is `sub`.
 */
export const google: ConnectorKind = {
  authorizationParams(connection, hint) {
    const domains = connection.allowedGoogleDomains;
    return { hd: domains.length === 1 ? domains[0]! : '*', ...(hint.email ? { login_hint: hint.email } : {}) };
  },
  identify(claims, connection) {
    const hd = text(claims.hd);
    if (!hd || !connection.allowedGoogleDomains.includes(hd.toLowerCase())) {
      throw new FederationRefusal('google_domain_not_allowed', `hd ${hd ?? '(none)'} is not allowed`);
    }
    const subject = text(claims.sub);
    if (!subject) throw new FederationRefusal('no_subject');
    return {
      subject,
      email: text(claims[connection.claims.email]),
      emailVerified: claims.email_verified === true,
      name: text(claims[connection.claims.name]),
      upstreamMfa: upstreamMfa(claims),
    };
  },
};
