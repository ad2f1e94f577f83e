export const CONNECTION_KINDS = ['entra', 'google', 'oidc', 'saml', 'grandid'] as const;
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

export type SamlBinding = 'redirect' | 'post';

/** A SAML 2.0 identity provider; we are its service provider (SP). */
export interface SamlConnection extends ConnectionCommon {
  kind: 'saml';
  idp: {
    entityId: string;
    ssoUrl: string;
    /** How the AuthnRequest reaches ssoUrl (absent on records from before: redirect). */
    ssoBinding?: SamlBinding;
    /** Signing certificates (PEM); more than one during a rollover. */
    certificates: string[];
    /** The IdP's SingleLogoutService with the HTTP-Redirect binding; null: no single logout. */
    sloUrl: string | null;
  };
  /**
   * Where the IdP's settings came from, when imported; validUntil is the document's own, and
   * nextRefreshAt when its URL is read again (cacheDuration and validUntil bring it forward).
   */
  metadata: {
    url: string | null;
    lastRefreshedAt: string | null;
    lastError: string | null;
    validUntil?: string | null;
    nextRefreshAt?: string | null;
  };
  /** Our side, fixed at creation so that the IdP's configuration stays valid if the issuer moves. */
  sp: {
    entityId: string;
    acsUrl: string;
    /** Our SingleLogoutService (HTTP-Redirect); absent on records from before: derived from acsUrl. */
    sloUrl?: string;
    metadataUrl: string;
    certificate: string;
    sealedPrivateKey: string;
    /** The key the IdP encrypts assertions to (published with use="encryption"), sealed like the signing key. */
    encryption?: { certificate: string; sealedPrivateKey: string } | null;
  };
  /** With an encryption key: whether assertions must come encrypted (false: both are accepted). */
  requireEncryptedAssertions?: boolean;
  /** Attribute names: the stable subject (null: the persistent NameID), e-mail and name. */
  attributes: { subject: string | null; email: string; name: string };
  /** Whether the IdP's e-mail counts as verified (it may then link to an existing account). */
  emailVerified: boolean;
  allowSha1: boolean;
  clockSkewSeconds: number;
}

/** Swedish e-ID (BankID, Freja eID…) through the GrandID broker: one connection per authenticate service. */
export interface GrandidConnection extends ConnectionCommon {
  kind: 'grandid';
  /** The broker's JSON API 1.1, ending in `/`, e.g. https://client.grandid.com/json1.1/. */
  baseUrl: string;
  /** The API key, the authenticate service key and the subject-hash key, sealed together as JSON. */
  sealedKeys: string;
}

/** A tenant's upstream identity provider: one shape per kind, told apart by `kind`. */
export type Connection = OidcConnection | SamlConnection | GrandidConnection;

export const isOidcConnection = (connection: Connection): connection is OidcConnection =>
  connection.kind === 'entra' || connection.kind === 'google' || connection.kind === 'oidc';

/** The connection as the admin API shows it: never a secret. */
export type PublicConnection =
  | (Omit<OidcConnection, 'sealedClientSecret'> & { hasClientSecret: boolean })
  | (Omit<SamlConnection, 'sp'> & {
      sp: Omit<SamlConnection['sp'], 'sealedPrivateKey' | 'encryption'> & { encryptionCertificate: string | null };
    })
  | (Omit<GrandidConnection, 'sealedKeys'> & { hasKeys: boolean });

export function toPublicConnection(connection: Connection): PublicConnection {
  if (connection.kind === 'saml') {
    const { sealedPrivateKey: _key, encryption, ...sp } = connection.sp;
    return {
      ...connection,
      idp: { ...connection.idp, ssoBinding: connection.idp.ssoBinding ?? 'redirect' },
      metadata: { validUntil: null, nextRefreshAt: null, ...connection.metadata },
      requireEncryptedAssertions: connection.requireEncryptedAssertions ?? false,
      sp: { ...sp, sloUrl: samlSloUrlOf(connection), encryptionCertificate: encryption?.certificate ?? null },
    };
  }
  if (connection.kind === 'grandid') {
    const { sealedKeys, ...rest } = connection;
    return { ...rest, hasKeys: sealedKeys.length > 0 };
  }
  const { sealedClientSecret, ...rest } = connection;
  return { ...rest, hasClientSecret: sealedClientSecret.length > 0 };
}

/** Our SingleLogoutService URL (records from before it was stored: next to the ACS). */
export const samlSloUrlOf = (connection: SamlConnection): string => connection.sp.sloUrl ?? connection.sp.acsUrl.replace(/\/acs$/, '/slo');

/** An upstream sign-in, verified. */
export interface UpstreamIdentity {
  /** Stable key of the person at the upstream: tid:oid for Entra, sub elsewhere; never the e-mail. */
  subject: string;
  email: string | null;
  emailVerified: boolean;
  name: string | null;
  /** The upstream did more than one factor (amr says mfa). */
  upstreamMfa: boolean;
  /** What the audit trail may show of the person (GrandID: the masked personnummer); never the full number. */
  display?: string;
  /** What signing out at the upstream later needs (SAML: NameID and SessionIndex); kept server-side only. */
  upstreamSession?: Record<string, string>;
  /**
   * GrandID: the person's personnummer, normalised to 12 digits, to find their account by its
   * keyed hash. Held in memory for that lookup only: never stored, logged or audited as it is.
   */
  personalNumber?: string;
  /** GrandID: the broker's session, ended there (Logout) when the person signs out here. */
  brokerSession?: string;
}

/** An upstream sign-in that is refused, with a stable reason for the audit trail. */
export class FederationRefusal extends Error {
  constructor(
    readonly reason: string,
    detail?: string,
  ) {
    super(detail ?? reason);
    this.name = 'FederationRefusal';
  }
}
