import { z } from 'zod';
import { ROLES } from '../roles/types.js';

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
    /** Tenants whose people may sign in; omitted means every tenant. Never empty, so [] cannot open a client by accident. */
    tenants: z.array(z.string().min(1)).min(1).max(1000).optional(),
    adminRole: z.enum(ROLES).optional().describe('What an admin client may do in the admin API (default super-admin)'),
    adminTenants: z
      .array(z.string().min(1))
      .min(1)
      .max(100)
      .optional()
      .describe('The tenants a tenant-admin, helpdesk or auditor client covers'),
  })
  .refine((c) => c.admin || (c.adminRole === undefined && c.adminTenants === undefined), {
    message: 'only an admin client has an admin role',
    path: ['adminRole'],
  })
  .refine((c) => !(c.public && c.admin), { message: 'an admin client must be confidential', path: ['admin'] })
  .refine((c) => c.requirePkce || !c.public, { message: 'a public client always uses PKCE', path: ['requirePkce'] })
  .refine((c) => c.admin || c.redirectUris.length > 0, {
    message: 'at least one redirect URI is needed (only admin clients may have none)',
    path: ['redirectUris'],
  });

export const clientUpdateSchema = z.strictObject({
  name: nameSchema.optional(),
  redirectUris: z.array(redirectUriSchema).max(20).optional(),
  postLogoutRedirectUris: z.array(redirectUriSchema).max(20).optional(),
  firstParty: z.boolean().optional(),
  requirePkce: z.boolean().optional(),
  /** A list limits the client to those tenants; null opens it to every tenant. */
  tenants: z.array(z.string().min(1)).min(1).max(1000).nullable().optional(),
  adminRole: z.enum(ROLES).optional(),
  /** The tenants the admin role covers; null for none (super-admin, an auditor of all). */
  adminTenants: z.array(z.string().min(1)).min(1).max(100).nullable().optional(),
});

export type ClientCreateInput = z.input<typeof clientCreateSchema>;
export type ClientUpdateInput = z.input<typeof clientUpdateSchema>;
