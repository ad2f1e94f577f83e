import { z } from 'zod';
import { tenantPolicySchema } from '../policy/schema.js';

export const policyOut = tenantPolicySchema;

/** Shapes of what the admin API returns, for the OpenAPI document. */

const timestamp = z.iso.datetime();

export const tenantOut = z.object({
  id: z.string(),
  slug: z.string(),
  name: z.string(),
  domains: z.array(z.string()),
  state: z.enum(['active', 'scheduled_for_deletion']),
  policy: policyOut,
  locale: z.enum(['sv', 'en']).nullable(),
  mail: z.object({ from: z.string().nullable(), replyTo: z.string().nullable() }),
  links: z.object({ registrationHours: z.number().int(), resetMinutes: z.number().int() }),
  passwordsAllowed: z.boolean(),
  purgeAfter: timestamp.nullable().describe("When a scheduled deletion purges the tenant's data; null while active"),
  createdAt: timestamp,
  updatedAt: timestamp,
});

export const accountOut = z.object({
  id: z.string(),
  tenantId: z.string(),
  email: z.string().nullable().describe('null for an account made by an e-ID sign-in until an administrator sets one'),
  personalNumber: z.string().nullable().describe('the Swedish personnummer tied to the account for e-ID sign-in, masked (19811218-****)'),
  name: z.string().nullable(),
  staff: z.boolean(),
  locale: z.enum(['sv', 'en']).nullable(),
  state: z.enum(['invited', 'active', 'locked', 'disabled']),
  hasPassword: z.boolean(),
  mfaEnabled: z.boolean(),
  recoveryCodesLeft: z.number().int(),
  passwordChangedAt: timestamp.nullable(),
  lockedReason: z.string().nullable(),
  lockedAt: timestamp.nullable(),
  lockedUntil: timestamp.nullable(),
  failedAttempts: z.number().int(),
  lastLoginAt: timestamp.nullable(),
  createdAt: timestamp,
  updatedAt: timestamp,
});

export const clientOut = z.object({
  id: z.string(),
  name: z.string(),
  public: z.boolean(),
  tokenEndpointAuthMethod: z.enum(['client_secret_basic', 'client_secret_post', 'none']),
  redirectUris: z.array(z.string()),
  postLogoutRedirectUris: z.array(z.string()),
  tenantIds: z.array(z.string()),
  admin: z.boolean(),
  adminRole: z
    .enum(['super-admin', 'tenant-admin', 'helpdesk', 'auditor'])
    .nullable()
    .describe('What an admin client may do in the admin API'),
  adminTenantIds: z.array(z.string()).describe('The tenants its admin role covers (empty: every tenant)'),
  firstParty: z.boolean(),
  requirePkce: z.boolean().describe('Code flows must use PKCE (S256); off only for a legacy confidential client'),
  createdAt: timestamp,
  updatedAt: timestamp,
});

export const clientWithSecretOut = z.object({
  client: clientOut,
  secret: z.string().nullable().describe('Shown once; only its hash is stored.'),
});

export const auditEventOut = z.object({
  id: z.string(),
  time: timestamp,
  tenantId: z.string().nullable(),
  actor: z.object({ type: z.string(), id: z.string().optional() }),
  action: z.string(),
  target: z.object({ type: z.string(), id: z.string() }).nullable(),
  outcome: z.enum(['success', 'failure']),
  reason: z.string().nullable(),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  details: z.record(z.string(), z.unknown()).nullable(),
  seq: z.number().int().describe("Place in its chain (the tenant's, or the operators' when tenantId is null), from 1"),
  prevHash: z.string().describe('Hash of the event before it in the chain (64 zeros for the first)'),
  hash: z.string().describe('SHA-256 of the canonical form (README, "Audit trail")'),
});

export const chainReportOut = z.object({
  chain: z.string().describe('The tenant id, or "" for the operators\' chain'),
  tenantId: z.string().nullable(),
  valid: z.boolean(),
  events: z.number().int(),
  head: z.object({ seq: z.number().int(), hash: z.string() }).nullable(),
  broken: z
    .object({
      seq: z.number().int(),
      kind: z.enum(['edited', 'missing', 'reordered', 'truncated']),
      eventId: z.string().nullable(),
      message: z.string(),
    })
    .nullable(),
});

export const listOf = (item: z.ZodType) =>
  z.object({ items: z.array(item), next: z.string().nullable().describe('Pass as `after` for the next page.') });

export const problemOut = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string().optional(),
  problems: z.array(z.object({ field: z.string(), code: z.string(), message: z.string() })).optional(),
});

const oidcConnectionOut = z.object({
  id: z.string(),
  tenantId: z.string(),
  kind: z.enum(['entra', 'google', 'oidc']),
  name: z.string(),
  issuer: z.string(),
  clientId: z.string(),
  hasClientSecret: z.boolean(),
  scopes: z.array(z.string()),
  claims: z.object({ email: z.string(), name: z.string() }),
  firstSignIn: z.enum(['link', 'create', 'refuse']),
  allowedEntraTenants: z.array(z.string()),
  allowedGoogleDomains: z.array(z.string()),
  trustUpstreamMfa: z.boolean(),
  enabled: z.boolean(),
  createdAt: timestamp,
  updatedAt: timestamp,
});

const samlConnectionOut = z.object({
  id: z.string(),
  tenantId: z.string(),
  kind: z.literal('saml'),
  name: z.string(),
  idp: z.object({
    entityId: z.string(),
    ssoUrl: z.string(),
    ssoBinding: z.enum(['redirect', 'post']).describe('How our signed AuthnRequest reaches ssoUrl'),
    certificates: z.array(z.string()),
    sloUrl: z.string().nullable().describe("The IdP's SingleLogoutService (HTTP-Redirect); null: no single logout"),
  }),
  metadata: z.object({
    url: z.string().nullable(),
    lastRefreshedAt: timestamp.nullable().describe('The last good read of the metadata URL'),
    lastError: z.string().nullable().describe('The last failed read (time: reason); null once a read succeeds'),
    validUntil: timestamp.nullable().describe("The document's validUntil: sign-in stops after it unless a refresh succeeds"),
    nextRefreshAt: timestamp.nullable().describe('When the metadata URL is read next (cacheDuration and validUntil bring it forward)'),
  }),
  sp: z
    .object({
      entityId: z.string(),
      acsUrl: z.string(),
      sloUrl: z.string(),
      metadataUrl: z.string(),
      certificate: z.string(),
      encryptionCertificate: z.string().nullable().describe('The IdP encrypts assertions to this (use="encryption" in our metadata)'),
    })
    .describe('Our service provider: give the metadata URL (or entity id, ACS URL and certificate) to the IdP administrator'),
  requireEncryptedAssertions: z.boolean().describe('Assertions that are not encrypted are refused'),
  attributes: z.object({ subject: z.string().nullable(), email: z.string(), name: z.string() }),
  emailVerified: z.boolean(),
  allowSha1: z.boolean(),
  clockSkewSeconds: z.number(),
  firstSignIn: z.enum(['link', 'create', 'refuse']),
  trustUpstreamMfa: z.boolean(),
  enabled: z.boolean(),
  createdAt: timestamp,
  updatedAt: timestamp,
});

const grandidConnectionOut = z.object({
  id: z.string(),
  tenantId: z.string(),
  kind: z.literal('grandid'),
  name: z.string(),
  baseUrl: z.string(),
  hasKeys: z.boolean().describe('The API key and service key are write-only'),
  firstSignIn: z.enum(['link', 'create', 'refuse']),
  trustUpstreamMfa: z.boolean(),
  enabled: z.boolean(),
  createdAt: timestamp,
  updatedAt: timestamp,
});

export const connectionOut = z.discriminatedUnion('kind', [oidcConnectionOut, samlConnectionOut, grandidConnectionOut]);
