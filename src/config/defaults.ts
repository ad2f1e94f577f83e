/**
 * Every built-in lifetime and limit that is neither a tenant's policy (src/policy/defaults.ts)
 * nor an environment setting (src/config/settings.ts), each written once, with why it is what it is.
 */

/** Lifetimes, in seconds, of what the OpenID provider issues. */
export const TOKEN_TTL = {
  AccessToken: 60 * 60,
  /** Redeemed within seconds by a working app; short so a leaked code is soon worthless. */
  AuthorizationCode: 60,
  ClientCredentials: 10 * 60,
  IdToken: 60 * 60,
  /** Sliding: each rotation issues a fresh one; an idle refresh token dies after this. */
  RefreshToken: 14 * 24 * 60 * 60,
  /** How long one sign-in may take, from the app's redirect to the answer; the login flow state expires with it. */
  Interaction: 60 * 60,
  Session: 14 * 24 * 60 * 60,
  Grant: 14 * 24 * 60 * 60,
  /** RFC 8628: how long a device code (and its user code) waits for the person; the RFC's example, 10 minutes. */
  DeviceCode: 10 * 60,
} as const;

/**
 * Access tokens for an API (resource server). At most a day: a JWT access token is checked
 * offline against the JWKS, so it must not outlive a retired key's grace period (below).
 */
export const API_TOKEN_TTL = { defaultSeconds: 60 * 60, minSeconds: 60, maxSeconds: 24 * 60 * 60 } as const;

/** A retired signing key stays published this long: longer than any token it signed lives. */
export const RETIRED_KEY_GRACE_SECONDS = TOKEN_TTL.IdToken + 24 * 60 * 60;

/** How long caches may keep discovery and the JWKS (their Cache-Control max-age). */
export const PUBLIC_DOCUMENT_MAX_AGE_SECONDS = 300;

/**
 * A rotated-in signing key is published this long before it signs: the JWKS cache lifetime, so
 * a relying party that cached the JWKS just before the rotation knows the key before it sees it.
 */
export const DEFAULT_KEY_PUBLISH_DELAY_SECONDS = PUBLIC_DOCUMENT_MAX_AGE_SECONDS;

/** Each node reads the key set this often: a rotation is published everywhere within this (plus one read). */
export const DEFAULT_KEYS_POLL_INTERVAL_MS = 3000;

/** R6: registration and reset links work for a limited time only; a tenant may choose within LINK_LIFETIME_BOUNDS. */
export const DEFAULT_LINK_LIFETIMES = { registrationHours: 72, resetMinutes: 60 } as const;
export const LINK_LIFETIME_BOUNDS = {
  registrationHours: { min: 1, max: 30 * 24 },
  resetMinutes: { min: 5, max: 24 * 60 },
} as const;

/** Short-lived state a flow keeps in the store between two requests, in milliseconds. */
export const FLOW_STATE_TTL_MS = {
  /** A round trip to an upstream identity provider (its state, nonce and PKCE verifier). */
  federationState: 15 * 60 * 1000,
  /** An upstream's answer, between its callback (or POST) and the same browser's sign-in picking it up. */
  federationAnswer: 2 * 60 * 1000,
  /** "My profile" sending the browser through the hosted sign-in and back. */
  profileSignIn: 15 * 60 * 1000,
  /** The administration console sending the browser through the hosted sign-in (with two steps) and back. */
  consoleSignIn: 15 * 60 * 1000,
  /** A TOTP secret shown under "My profile" and waiting for its first code. */
  pendingEnrolment: 15 * 60 * 1000,
  /** After a password was set through a link, the same browser signs in without typing it again. */
  linkSignIn: 10 * 60 * 1000,
} as const;

/**
 * Longest password input we spend a hash on. A tenant's maximum length can be at most this,
 * and anything longer is refused before bcrypt runs (it would only cost CPU).
 */
export const PASSWORD_INPUT_MAX = 1024;

/** Upstream discovery documents are fetched again after this long (or when the connection changes). */
export const UPSTREAM_DISCOVERY_TTL_MS = 10 * 60 * 1000;

/**
 * The largest SAMLResponse accepted at the ACS (base64, as posted), refused before any parsing:
 * real responses are a few KiB; 256 KiB leaves room for many attributes and a certificate chain.
 */
export const SAML_MAX_RESPONSE_BYTES = 256 * 1024;
/** How long an AuthnRequest we sent may be answered: the same as an OIDC round trip. */
export const SAML_REQUEST_TTL_MS = FLOW_STATE_TTL_MS.federationState;
/** The clock skew allowed on SAML assertions' NotBefore / NotOnOrAfter unless a connection says otherwise. */
export const SAML_DEFAULT_CLOCK_SKEW_SECONDS = 60;
/** The largest IdP metadata document read from a metadata URL. */
export const SAML_METADATA_MAX_BYTES = 1024 * 1024;

/**
 * R11: a deleted tenant's data stays this long (days) so a mistake can be undone, then it is
 * purged; a request may choose 0 up to the maximum, and nothing is kept beyond six months.
 */
export const TENANT_DELETION_GRACE_DAYS = { default: 30, min: 0, max: 180 } as const;

/** How long one node holds its claim on a tenant it purges; another node may take over after this (a crashed purge resumes). */
export const TENANT_PURGE_LEASE_MS = 10 * 60 * 1000;

/**
 * A SAML connection's metadata URL is read again after this long at most (checked with the
 * periodic purge); sooner when the document's cacheDuration is shorter, and halfway to its
 * validUntil, so that a refresh that fails has time to be retried before the metadata expires.
 */
export const SAML_METADATA_REFRESH_MS = 12 * 60 * 60 * 1000;

/** Ending a person's sessions by account (admin disable, lock, reset, "sign out everywhere else"). */
export const SESSION_END = {
  /** Sessions of one account looked at (and each app notified) per ending; sessions beyond this still end, unnotified. */
  maxSessionsPerAccount: 500,
} as const;

/**
 * Back-channel logout deliveries (OpenID Connect Back-Channel Logout 1.0), queued in the store.
 * An attempt fails on anything but 200/204, a network error or oidc-provider's HTTP timeout
 * (2.5 s); after the first attempt each entry of DEFAULT_BACKCHANNEL_LOGOUT_RETRY_DELAYS_MS
 * allows one more, after that wait: 4 attempts over about 6 minutes, then `backchannel_logout.failed`
 * is audited and the delivery dropped (an app that is down that long treats the session by its own expiry).
 */
export const DEFAULT_BACKCHANNEL_LOGOUT_RETRY_DELAYS_MS = [10_000, 60_000, 300_000] as const;
export const BACKCHANNEL_LOGOUT = {
  /** How often each server node looks for due deliveries (it also starts at once when it queues one itself). */
  pollIntervalMs: 2000,
  /** A claimed delivery is hidden from other nodes this long: longer than one attempt can take. */
  leaseMs: 30_000,
  /** Deliveries claimed per look. */
  batch: 20,
} as const;

/** RFC 8628 device authorization grant. */
export const DEVICE_FLOW = {
  /**
   * User-code form posts one client address may make per window before 429, right or wrong (a
   * right code takes two: the code, then the confirmation). A user code has 20^8 values: at this
   * rate guessing a live one is hopeless.
   */
  entriesPerWindow: 20,
  entryWindowSeconds: 15 * 60,
} as const;
/** Never sooner than this, whatever the document says: a tiny cacheDuration must not make us hammer the IdP. */
export const SAML_METADATA_MIN_REFRESH_MS = 10 * 60 * 1000;
/**
 * The largest query string accepted at our SingleLogoutService (HTTP-Redirect), refused before it
 * is inflated or parsed: a deflated LogoutRequest or LogoutResponse with its signature is under
 * 2 KiB; below Node's own 16 KiB header limit, so that the refusal is ours and audited. The
 * inflated XML may be at most SAML_MAX_LOGOUT_XML_BYTES (a deflate bomb stops there).
 */
export const SAML_MAX_LOGOUT_MESSAGE_BYTES = 8 * 1024;
export const SAML_MAX_LOGOUT_XML_BYTES = 64 * 1024;
/** How long a LogoutRequest we sent may be answered, and how long an IdP's LogoutRequest id stays spent. */
export const SAML_LOGOUT_TTL_MS = 15 * 60 * 1000;
/**
 * How long what single logout needs (NameID, SessionIndex) is kept after a SAML sign-in: as long
 * as the provider's session can last, so sign-out later still reaches the IdP.
 */
export const SAML_SESSION_TTL_MS = TOKEN_TTL.Session * 1000;

/** R12: privileged access is granted per case and runs out by itself; a support grant lasts at most this. */
export const SUPPORT_GRANT_MAX_HOURS = 72;

/** The operators' own tenant: staff accounts live there (created by `idp operator bootstrap`). */
export const OPERATORS_TENANT_SLUG = 'operators';
