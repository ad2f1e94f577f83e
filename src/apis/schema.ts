import { z } from 'zod';
import { API_TOKEN_TTL } from '../config/defaults.js';

/**
 * Scopes that mean something to the IdP itself: `admin` is the admin API's (admin clients only)
 * and the OpenID scopes are the sign-in's; no API may define them.
 */
export const RESERVED_SCOPES = new Set(['admin', 'openid', 'offline_access', 'profile', 'email']);

/** RFC 6749 scope-token characters, without spaces; short enough to list many in one request. */
export const apiScopeSchema = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'letters, digits and punctuation other than " and \\')
  .refine((scope) => !RESERVED_SCOPES.has(scope), 'this scope is reserved to the IdP');

/** An absolute https URI (http on loopback, for development) without a fragment, as RFC 8707 asks. */
export const apiIdentifierSchema = z
  .string()
  .max(500)
  .refine((value) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return false;
    }
    if (url.hash || url.username || url.password || value.includes('*')) return false;
    if (url.protocol === 'https:') return true;
    return url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  }, 'an absolute https URI (http only on localhost) without a fragment or wildcard');

const scopesSchema = z
  .array(apiScopeSchema)
  .min(1)
  .max(100)
  .transform((scopes) => [...new Set(scopes)]);

const ttlSchema = z.number().int().min(API_TOKEN_TTL.minSeconds).max(API_TOKEN_TTL.maxSeconds);

export const apiCreateSchema = z.strictObject({
  identifier: apiIdentifierSchema,
  name: z.string().trim().min(1).max(200).optional(),
  /** The tenant (slug or id) it belongs to; omitted for an API of every tenant. */
  tenant: z.string().min(1).optional(),
  scopes: scopesSchema,
  tokenFormat: z.enum(['jwt', 'opaque']).default('jwt'),
  tokenTtlSeconds: ttlSchema.default(API_TOKEN_TTL.defaultSeconds),
});

export const apiUpdateSchema = z.strictObject({
  name: z.string().trim().min(1).max(200).optional(),
  scopes: scopesSchema.optional(),
  tokenFormat: z.enum(['jwt', 'opaque']).optional(),
  tokenTtlSeconds: ttlSchema.optional(),
});

export type ApiCreateInput = z.input<typeof apiCreateSchema>;
export type ApiUpdateInput = z.input<typeof apiUpdateSchema>;
