import { z } from 'zod';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

function parsedUrl(value: string): URL | null {
  try {
    return new URL(value);
  } catch {
    return null;
  }
}

/** https anywhere, plain http only on loopback (development), never a fragment or a wildcard. */
export const redirectUriSchema = z
  .string()
  .max(2000)
  .refine((value) => {
    const url = parsedUrl(value);
    if (!url || url.hash || url.username || url.password || value.includes('*')) return false;
    if (url.protocol === 'https:') return true;
    return url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname);
  }, 'an absolute https URL (http only on localhost) without a fragment or wildcard');

/** Fetched by the IdP itself, so https only: never plain http, never a loopback address. */
const jwksUriSchema = z
  .string()
  .max(2000)
  .refine((value) => {
    const url = parsedUrl(value);
    if (!url || url.protocol !== 'https:' || url.hash || url.username) return false;
    // A host name, never an address literal: the IdP must not be pointed at its own network by number.
    return !LOOPBACK_HOSTS.has(url.hostname) && !/^[\d.]+$/.test(url.hostname) && !url.hostname.startsWith('[');
  }, 'an absolute https URL with a host name');

/** Members that only a private or symmetric key has: a client publishes its public keys only. */
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth'];

const publicJwkSchema = z
  .looseObject({ kty: z.enum(['RSA', 'EC', 'OKP']), kid: z.string().max(200).optional() })
  .refine((jwk) => PRIVATE_JWK_MEMBERS.every((member) => !(member in jwk)), 'public keys only');

export const jwksSchema = z.strictObject({ keys: z.array(publicJwkSchema).min(1).max(10) });

/** Scopes of one API granted to a client; checked against the API when stored. */
export const apiGrantSchema = z.strictObject({
  api: z.string().min(1).max(500),
  scopes: z
    .array(z.string().min(1).max(100))
    .min(1)
    .max(100)
    .transform((scopes) => [...new Set(scopes)]),
});

const nameSchema = z.string().trim().min(1).max(200);

export const AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'client_secret_jwt', 'private_key_jwt'] as const;

export const clientCreateSchema = z
  .strictObject({
    name: nameSchema,
    redirectUris: z.array(redirectUriSchema).max(20).default([]),
    postLogoutRedirectUris: z.array(redirectUriSchema).max(20).default([]),
    public: z.boolean().default(false),
    admin: z.boolean().default(false),
    service: z.boolean().default(false),
    firstParty: z.boolean().default(false),
    requirePkce: z.boolean().default(true),
    tokenEndpointAuthMethod: z.enum(AUTH_METHODS).default('client_secret_basic'),
    jwks: jwksSchema.optional(),
    jwksUri: jwksUriSchema.optional(),
    apis: z.array(apiGrantSchema).max(50).default([]),
    introspects: z.array(z.string().min(1).max(500)).max(50).default([]),
    requirePushedAuthorizationRequests: z.boolean().default(false),
    dpopBoundAccessTokens: z.boolean().default(false),
    subjectType: z.enum(['public', 'pairwise']).default('public'),
    /** Tenants whose people may sign in; omitted means every tenant. Never empty, so [] cannot open a client by accident. */
    tenants: z.array(z.string().min(1)).min(1).max(1000).optional(),
  })
  .refine((c) => !(c.public && c.admin), { message: 'an admin client must be confidential', path: ['admin'] })
  .refine((c) => !(c.public && c.introspects.length > 0), { message: 'introspection needs a confidential client', path: ['introspects'] })
  .refine((c) => !(c.public && c.service), { message: 'a service client must be confidential', path: ['service'] })
  .refine((c) => !(c.admin && c.service), { message: 'a service client has no admin power', path: ['service'] })
  .refine((c) => !c.service || c.apis.length > 0 || c.introspects.length > 0, {
    message: 'a service client needs at least one API (to call or to introspect for)',
    path: ['apis'],
  })
  .refine((c) => !c.service || c.redirectUris.length === 0, { message: 'a service client signs no one in', path: ['redirectUris'] })
  .refine((c) => c.requirePkce || !c.public, { message: 'a public client always uses PKCE', path: ['requirePkce'] })
  .refine((c) => c.admin || c.service || c.redirectUris.length > 0, {
    message: 'at least one redirect URI is needed (only admin and service clients have none)',
    path: ['redirectUris'],
  });

export const clientUpdateSchema = z.strictObject({
  name: nameSchema.optional(),
  redirectUris: z.array(redirectUriSchema).max(20).optional(),
  postLogoutRedirectUris: z.array(redirectUriSchema).max(20).optional(),
  firstParty: z.boolean().optional(),
  requirePkce: z.boolean().optional(),
  /** Public and key clients keep theirs; switching between the secret methods is allowed. */
  tokenEndpointAuthMethod: z.enum(AUTH_METHODS).optional(),
  jwks: jwksSchema.nullable().optional(),
  jwksUri: jwksUriSchema.nullable().optional(),
  apis: z.array(apiGrantSchema).max(50).optional(),
  introspects: z.array(z.string().min(1).max(500)).max(50).optional(),
  requirePushedAuthorizationRequests: z.boolean().optional(),
  dpopBoundAccessTokens: z.boolean().optional(),
  subjectType: z.enum(['public', 'pairwise']).optional(),
  /** A list limits the client to those tenants; null opens it to every tenant. */
  tenants: z.array(z.string().min(1)).min(1).max(1000).nullable().optional(),
});

export type ClientCreateInput = z.input<typeof clientCreateSchema>;
export type ClientUpdateInput = z.input<typeof clientUpdateSchema>;
