import { z } from 'zod';
import { domainSchema } from '../tenants/schema.js';
import { SAML_DEFAULT_CLOCK_SKEW_SECONDS } from '../config/defaults.js';

export const ENTRA_AUTHORITY = 'https://login.microsoftonline.com/organizations/v2.0';
export const GOOGLE_ISSUER = 'https://accounts.google.com';
/** Entra's own authorities only: openid-client resolves the templated issuer just for these, and a `tid` means nothing elsewhere. */
const ENTRA_AUTHORITY_PATTERN =
  /^https:\/\/login\.microsoftonline\.com\/(organizations|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\/v2\.0$/i;

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** https, or plain http on loopback only (local development and tests). */
const issuerSchema = z
  .string()
  .max(500)
  .refine((value) => {
    try {
      const url = new URL(value);
      return !url.search && !url.hash && (url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname)));
    } catch {
      return false;
    }
  }, 'an https URL without query or fragment (http only on localhost)');

const entraTenantId = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'an Entra tenant id (GUID)')
  .transform((v) => v.toLowerCase());
const claimName = z.string().regex(/^[A-Za-z0-9_:.-]{1,100}$/, 'a claim name');

const fields = {
  name: z.string().trim().min(1).max(100),
  issuer: issuerSchema,
  clientId: z.string().trim().min(1).max(500),
  clientSecret: z.string().min(1).max(2000),
  scopes: z
    .array(z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]{1,200}$/, 'a scope token'))
    .min(1)
    .max(30)
    .refine((s) => s.includes('openid'), 'must include openid'),
  claims: z.strictObject({ email: claimName.default('email'), name: claimName.default('name') }),
  firstSignIn: z.enum(['link', 'create', 'refuse']),
  allowedEntraTenants: z.array(entraTenantId).max(100),
  allowedGoogleDomains: z.array(domainSchema).max(100),
  trustUpstreamMfa: z.boolean(),
  enabled: z.boolean(),
};

const oidcCreateSchema = z
  .strictObject({
    kind: z.enum(['entra', 'google', 'oidc']),
    name: fields.name,
    issuer: fields.issuer.optional(),
    clientId: fields.clientId,
    clientSecret: fields.clientSecret,
    scopes: fields.scopes.default(['openid', 'email', 'profile']),
    claims: fields.claims.default({ email: 'email', name: 'name' }),
    firstSignIn: fields.firstSignIn.default('link'),
    allowedEntraTenants: fields.allowedEntraTenants.default([]),
    allowedGoogleDomains: fields.allowedGoogleDomains.default([]),
    trustUpstreamMfa: fields.trustUpstreamMfa.default(false),
    enabled: fields.enabled.default(true),
  })
  .superRefine((c, ctx) => kindRules(c, ctx));

const pemCertificate = z
  .string()
  .max(20000)
  .regex(/^\s*-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\s]+-----END CERTIFICATE-----\s*$/, 'a PEM certificate');
const attributeName = z.string().regex(/^[A-Za-z0-9_:./-]{1,200}$/, 'an attribute name');

/**
 * A SAML IdP: from its metadata (an XML document, or a URL to read it from) or given by hand
 * (entity id, SSO URL, signing certificates).
 */
const samlCreateSchema = z
  .strictObject({
    kind: z.literal('saml'),
    name: fields.name,
    metadataXml: z.string().min(1).max(1_000_000).optional(),
    metadataUrl: issuerSchema.optional(),
    entityId: z.string().trim().min(1).max(500).optional(),
    ssoUrl: issuerSchema.optional(),
    sloUrl: issuerSchema.optional(),
    /** How our AuthnRequest reaches the IdP; default: HTTP-Redirect when the metadata offers it, else HTTP-POST. */
    ssoBinding: z.enum(['redirect', 'post']).optional(),
    certificates: z.array(pemCertificate).min(1).max(5).optional(),
    /** Every connection gets an encryption key; with this, assertions that are not encrypted are refused. */
    requireEncryptedAssertions: z.boolean().default(false),
    attributes: z
      .strictObject({
        subject: attributeName.nullable().default(null),
        email: attributeName.default('email'),
        name: attributeName.default('name'),
      })
      .default({ subject: null, email: 'email', name: 'name' }),
    emailVerified: z.boolean().default(false),
    allowSha1: z.boolean().default(false),
    clockSkewSeconds: z.number().int().min(0).max(600).default(SAML_DEFAULT_CLOCK_SKEW_SECONDS),
    firstSignIn: fields.firstSignIn.default('link'),
    trustUpstreamMfa: fields.trustUpstreamMfa.default(false),
    enabled: fields.enabled.default(true),
  })
  .superRefine((c, ctx) => {
    const byHand = c.entityId !== undefined || c.ssoUrl !== undefined || c.certificates !== undefined;
    const sources = [c.metadataXml !== undefined, c.metadataUrl !== undefined, byHand].filter(Boolean).length;
    if (sources !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['metadataUrl'],
        message: 'give one of: metadataUrl, metadataXml, or entityId + ssoUrl + certificates',
      });
    } else if (byHand) {
      for (const field of ['entityId', 'ssoUrl', 'certificates'] as const) {
        if (c[field] === undefined) ctx.addIssue({ code: 'custom', path: [field], message: `${field} is required without metadata` });
      }
    }
  });

/** The GrandID broker's base URL: https (http on loopback for tests), ending in `/` so that method names resolve under it. */
const grandidBaseUrl = z
  .string()
  .max(500)
  .refine((value) => {
    try {
      const url = new URL(value);
      return (
        !url.search &&
        !url.hash &&
        !url.username &&
        url.pathname.endsWith('/') &&
        (url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname)))
      );
    } catch {
      return false;
    }
  }, 'an https URL ending in / without query or fragment (http only on localhost)');
const grandidKey = z
  .string()
  .trim()
  .regex(/^[\x21-\x7E]{1,500}$/, 'a GrandID key');

/** Swedish e-ID through GrandID: one connection per authenticate service (BankID, Freja eID…). */
const grandidCreateSchema = z.strictObject({
  kind: z.literal('grandid'),
  name: fields.name,
  baseUrl: grandidBaseUrl,
  apiKey: grandidKey,
  serviceKey: grandidKey,
  firstSignIn: fields.firstSignIn.default('link'),
  trustUpstreamMfa: fields.trustUpstreamMfa.default(false),
  enabled: fields.enabled.default(true),
});

export const connectionCreateSchema = z.discriminatedUnion('kind', [oidcCreateSchema, samlCreateSchema, grandidCreateSchema]);

/** The issuer cannot change: links are (connection, subject), and another issuer's subjects would land on them. */
export const connectionUpdateSchema = z.strictObject({
  name: fields.name.optional(),
  clientId: fields.clientId.optional(),
  clientSecret: fields.clientSecret.optional(),
  scopes: fields.scopes.optional(),
  claims: fields.claims.optional(),
  firstSignIn: fields.firstSignIn.optional(),
  allowedEntraTenants: fields.allowedEntraTenants.optional(),
  allowedGoogleDomains: fields.allowedGoogleDomains.optional(),
  trustUpstreamMfa: fields.trustUpstreamMfa.optional(),
  enabled: fields.enabled.optional(),
  attributes: z.strictObject({ subject: attributeName.nullable(), email: attributeName, name: attributeName }).optional(),
  emailVerified: z.boolean().optional(),
  allowSha1: z.boolean().optional(),
  clockSkewSeconds: z.number().int().min(0).max(600).optional(),
  certificates: z.array(pemCertificate).min(1).max(5).optional(),
  ssoBinding: z.enum(['redirect', 'post']).optional(),
  requireEncryptedAssertions: z.boolean().optional(),
  apiKey: grandidKey.optional(),
  serviceKey: grandidKey.optional(),
});

/** Rules that depend on the kind; also applied to the merged record on update. */
export function kindRules(
  c: { kind: string; issuer?: string; allowedEntraTenants: string[]; allowedGoogleDomains: string[] },
  ctx: z.RefinementCtx,
): void {
  if (c.kind === 'entra' && c.allowedEntraTenants.length === 0) {
    ctx.addIssue({ code: 'custom', path: ['allowedEntraTenants'], message: 'list the Entra tenant ids allowed to sign in' });
  }
  if (c.kind === 'google' && c.allowedGoogleDomains.length === 0) {
    ctx.addIssue({ code: 'custom', path: ['allowedGoogleDomains'], message: 'list the Google Workspace domains allowed to sign in' });
  }
  if (c.kind === 'google' && c.issuer !== undefined && c.issuer !== GOOGLE_ISSUER) {
    ctx.addIssue({ code: 'custom', path: ['issuer'], message: `Google's issuer is ${GOOGLE_ISSUER}` });
  }
  if (c.kind === 'entra' && c.issuer !== undefined && !ENTRA_AUTHORITY_PATTERN.test(c.issuer)) {
    ctx.addIssue({
      code: 'custom',
      path: ['issuer'],
      message: 'an Entra authority: https://login.microsoftonline.com/organizations/v2.0 or …/<tenant id>/v2.0',
    });
  }
  if (c.kind === 'oidc' && !c.issuer) {
    ctx.addIssue({ code: 'custom', path: ['issuer'], message: 'the issuer of the OpenID Connect provider is required' });
  }
}

export type ConnectionCreateInput = z.input<typeof connectionCreateSchema>;
export type SamlCreateInput = z.output<typeof samlCreateSchema>;
export type GrandidCreateInput = z.output<typeof grandidCreateSchema>;
export type ConnectionUpdateInput = z.input<typeof connectionUpdateSchema>;
