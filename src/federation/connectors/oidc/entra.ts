import { FederationRefusal } from '../../types.js';
import { text, upstreamMfa, type OidcProfile } from './profile.js';

/**
 * Microsoft Entra ID, multi-tenant. openid-client resolves the templated issuer
 * (`https://login.microsoftonline.com/{tenantid}/v2.0`) from the token's `tid`; a valid
 * signature alone is not enough: `tid` must be on the connection's allow-list. The stable
 * key is `tid:oid`, never the e-mail. Entra does not vouch for the `email` claim by itself: it
 * counts as verified only when Entra says the domain owner verified it (the optional claim
 * `xms_edov`), the person is a member (not a guest) and the domain is one this tenant owns.
 */
export const entra: OidcProfile = {
  authorizationParams(_connection, hint): Record<string, string> {
    return hint.email ? { login_hint: hint.email, domain_hint: hint.email.split('@')[1]! } : {};
  },
  identify(claims, connection, tenant) {
    const tid = text(claims.tid)?.toLowerCase();
    if (!tid || !connection.allowedEntraTenants.includes(tid)) {
      throw new FederationRefusal('entra_tenant_not_allowed', `tid ${tid ?? '(none)'} is not allowed`);
    }
    const oid = text(claims.oid);
    if (!oid) throw new FederationRefusal('no_subject', 'the token has no oid');
    const email = text(claims[connection.claims.email]);
    const domain = email?.split('@')[1]?.toLowerCase();
    const guest = claims.acct === 1;
    return {
      subject: `${tid}:${oid}`,
      email,
      emailVerified: claims.xms_edov === true && !guest && domain !== undefined && tenant.domains.includes(domain),
      name: text(claims[connection.claims.name]),
      upstreamMfa: upstreamMfa(claims),
    };
  },
};
