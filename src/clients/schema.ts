import { z } from 'zod';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** https anywhere, plain http only on loopback (development), never a fragment. */
export const redirectUriSchema = z
  .string()
  .max(2000)
  .refine((value) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return false;
    }
    if (url.hash || url.username || url.password) return false;
    if (url.protocol === 'https:') return true;
    return url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname);
  }, 'an absolute https URL (http only on localhost) without a fragment');

/** Where an app is told that a session ended: the same rule as a redirect URI. */
const logoutUriSchema = redirectUriSchema;

const nameSchema = z.string().trim().min(1).max(200);

export const clientCreateSchema = z
  .strictObject({
    name: nameSchema,
    redirectUris: z.array(redirectUriSchema).max(20).default([]),
    postLogoutRedirectUris: z.array(redirectUriSchema).max(20).default([]),
    public: z.boolean().default(false),
    admin: z.boolean().default(false),
    firstParty: z.boolean().default(false),
    requirePkce: z.boolean().default(true),
    tokenEndpointAuthMethod: z.enum(['client_secret_basic', 'client_secret_post']).default('client_secret_basic'),
    backchannelLogoutUri: logoutUriSchema.nullable().default(null),
    backchannelLogoutSessionRequired: z.boolean().default(false),
    frontchannelLogoutUri: logoutUriSchema.nullable().default(null),
    frontchannelLogoutSessionRequired: z.boolean().default(false),
    deviceFlow: z.boolean().default(false),
    /** Tenants whose people may sign in; omitted means every tenant. Never empty, so [] cannot open a client by accident. */
    tenants: z.array(z.string().min(1)).min(1).max(1000).optional(),
  })
  .refine((c) => !(c.public && c.admin), { message: 'an admin client must be confidential', path: ['admin'] })
  .refine((c) => c.requirePkce || !c.public, { message: 'a public client always uses PKCE', path: ['requirePkce'] })
  .refine((c) => c.admin || c.deviceFlow || c.redirectUris.length > 0, {
    message: 'at least one redirect URI is needed (only admin and device-flow clients may have none)',
    path: ['redirectUris'],
  });

export const clientUpdateSchema = z.strictObject({
  name: nameSchema.optional(),
  redirectUris: z.array(redirectUriSchema).max(20).optional(),
  postLogoutRedirectUris: z.array(redirectUriSchema).max(20).optional(),
  firstParty: z.boolean().optional(),
  requirePkce: z.boolean().optional(),
  /** null removes the URI. */
  backchannelLogoutUri: logoutUriSchema.nullable().optional(),
  backchannelLogoutSessionRequired: z.boolean().optional(),
  frontchannelLogoutUri: logoutUriSchema.nullable().optional(),
  frontchannelLogoutSessionRequired: z.boolean().optional(),
  deviceFlow: z.boolean().optional(),
  /** A list limits the client to those tenants; null opens it to every tenant. */
  tenants: z.array(z.string().min(1)).min(1).max(1000).nullable().optional(),
});

export type ClientCreateInput = z.input<typeof clientCreateSchema>;
export type ClientUpdateInput = z.input<typeof clientUpdateSchema>;
