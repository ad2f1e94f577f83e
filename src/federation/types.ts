export const CONNECTION_KINDS = ['entra', 'google', 'oidc'] as const;
export type ConnectionKind = (typeof CONNECTION_KINDS)[number];

/** What happens when an upstream identity signs in for the first time. */
export type FirstSignIn = 'link' | 'create' | 'refuse';

/** What every kind of connection has: who owns it, how first sign-ins go, whether it is on. */
export interface ConnectionCommon {
  id: string;
  tenantId: string;
  /** Shown on the sign-in page: "Sign in with …". */
  name: string;
  /** link: to an existing account with the same verified e-mail; create: just in time; refuse: only linked identities. */
  firstSignIn: FirstSignIn;
  /** The upstream's own second factor counts as ours; otherwise our TOTP rules apply. */
  trustUpstreamMfa: boolean;
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
}

/** An OpenID Connect upstream: Entra ID, Google Workspace or any provider with discovery. */
export interface OidcConnection extends ConnectionCommon {
  kind: 'entra' | 'google' | 'oidc';
  /** Where discovery starts: the issuer (oidc), the authority (entra), or Google's issuer. */
  issuer: string;
  clientId: string;
  /** The upstream client secret, sealed with the data-at-rest key. */
  sealedClientSecret: string;
  scopes: string[];
  /** Claim names to read the e-mail address and the name from. */
  claims: { email: string; name: string };
  /** entra: the Entra tenant ids (tid) allowed to sign in; a token from any other is refused. */
  allowedEntraTenants: string[];
  /** google: the Workspace domains (hd) allowed to sign in, checked on the server. */
  allowedGoogleDomains: string[];
}

/** A tenant's upstream identity provider: one shape per kind, told apart by `kind`. */
export type Connection = OidcConnection;

export const isOidcConnection = (connection: Connection): connection is OidcConnection =>
  connection.kind === 'entra' || connection.kind === 'google' || connection.kind === 'oidc';

/** The connection as the admin API shows it: never the secret. */
export type PublicConnection = Omit<Connection, 'sealedClientSecret'> & { hasClientSecret: boolean };

export function toPublicConnection(connection: Connection): PublicConnection {
  const { sealedClientSecret, ...rest } = connection;
  return { ...rest, hasClientSecret: sealedClientSecret.length > 0 };
}

/** An upstream sign-in, verified. */
export interface UpstreamIdentity {
  /** Stable key of the person at the upstream: tid:oid for Entra, sub elsewhere; never the e-mail. */
  subject: string;
  email: string | null;
  emailVerified: boolean;
  name: string | null;
  /** The upstream did more than one factor (amr says mfa). */
  upstreamMfa: boolean;
}

/** An upstream sign-in that is refused, with a stable reason for the audit trail. */
export class FederationRefusal extends Error {
  constructor(readonly reason: string, detail?: string) {
    super(detail ?? reason);
    this.name = 'FederationRefusal';
  }
}
