import { createHash } from 'node:crypto';
import type { Context, Next } from 'koa';

/**
 * For documents that are public, the same for every caller and rarely change (discovery,
 * JWKS): a short shared-cache lifetime, and an ETag so that a conditional request gets 304.
 */
export function publicDocumentCache(paths: readonly string[], maxAgeSeconds: number) {
  const documents = new Set(paths);
  return async function cachePublicDocument(ctx: Context, next: Next): Promise<void> {
    await next();
    if (!documents.has(ctx.path) || ctx.status !== 200 || (ctx.method !== 'GET' && ctx.method !== 'HEAD')) return;
    // oidc-provider answers with a plain object, which koa sends as JSON.stringify gives it.
    const { body } = ctx;
    const text = typeof body === 'string' ? body : body?.constructor === Object ? JSON.stringify(body) : null;
    if (text === null) return;
    ctx.set('Cache-Control', `public, max-age=${maxAgeSeconds}`);
    ctx.etag = createHash('sha256').update(text).digest('base64url');
    if (ctx.fresh) ctx.status = 304;
  };
}
