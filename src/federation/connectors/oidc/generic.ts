import { FederationRefusal } from '../../types.js';
import { text, upstreamMfa, type OidcProfile } from './profile.js';

/** Any OpenID Connect provider with discovery. The key is `sub`. */
export const genericOidc: OidcProfile = {
  authorizationParams: (_connection, hint): Record<string, string> => (hint.email ? { login_hint: hint.email } : {}),
  identify(claims, connection) {
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
