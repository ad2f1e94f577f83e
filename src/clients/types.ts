export type TokenEndpointAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none';

export interface Client {
  /** The OAuth client_id. */
  id: string;
  name: string;
  /** SHA-256 (hex) of the secret; null for public clients, which must use PKCE. */
  secretHash: string | null;
  tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  /** Tenant ids whose people may sign in to this client; empty means every tenant (the API says null). */
  tenantIds: string[];
  /** May obtain `admin`-scoped tokens with client credentials to call the admin API. */
  admin: boolean;
  /** Our own application: consent is not asked. */
  firstParty: boolean;
  /**
   * Code flows must use PKCE (S256). On by default for every client (OAuth 2.1); an
   * administrator may turn it off for one legacy confidential client, never a public one.
   */
  requirePkce: boolean;
  /** Session-ending settings (OpenID Connect Back-Channel and Front-Channel Logout); see SessionLogoutSettings. */
  backchannelLogoutUri: string | null;
  backchannelLogoutSessionRequired: boolean;
  frontchannelLogoutUri: string | null;
  frontchannelLogoutSessionRequired: boolean;
  /** May use the device authorization grant (RFC 8628): a CLI or TV shows a code the person enters here. */
  deviceFlow: boolean;
  createdAt: string;
  updatedAt: string;
}

export type PublicClient = Omit<Client, 'secretHash'> & { public: boolean };

export function toPublicClient(client: Client): PublicClient {
  const { secretHash, ...rest } = client;
  return { ...rest, public: secretHash === null };
}

const LATER_FIELDS = {
  requirePkce: true,
  backchannelLogoutUri: null,
  backchannelLogoutSessionRequired: false,
  frontchannelLogoutUri: null,
  frontchannelLogoutSessionRequired: false,
  deviceFlow: false,
} satisfies Partial<Client>;

/** Fields added after the first release get their defaults when an older record is read. */
export function withClientDefaults(stored: Omit<Client, keyof typeof LATER_FIELDS> & Partial<Client>): Client {
  return { ...LATER_FIELDS, ...stored };
}
