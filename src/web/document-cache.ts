import { createHash } from 'node:crypto';
import type { Context, Next } from 'koa';

interface CachedDocument {
  body: string;
  etag: string;
  type: string;
}

export interface PublicDocumentCache {
  (ctx: Context, next: Next): Promise<void>;
  /** Forgets every document (the signing keys changed); the next request asks the provider again. */
  invalidate(): void;
}

/**
 * For documents that are public, the same for every caller and change only with the keys
 * (discovery, JWKS): the provider's first answer is kept and served from then on, before any
 * other route runs, with a short shared-cache lifetime and an ETag (a conditional request gets 304).
 */
export function publicDocumentCache(paths: readonly string[], maxAgeSeconds: number): PublicDocumentCache {
  const documents = new Set(paths);
  const cached = new Map<string, CachedDocument>();
  const cacheControl = `public, max-age=${maxAgeSeconds}`;

  function answer(ctx: Context, document: CachedDocument): void {
    ctx.set('Cache-Control', cacheControl);
    ctx.set('Access-Control-Allow-Origin', '*');
    ctx.etag = document.etag;
    ctx.status = 200;
    if (ctx.fresh) {
      ctx.status = 304;
      return;
    }
    ctx.type = document.type;
    ctx.body = document.body;
  }

  const middleware = async function cachePublicDocument(ctx: Context, next: Next): Promise<void> {
    const cacheable = (ctx.method === 'GET' || ctx.method === 'HEAD') && documents.has(ctx.path);
    const hit = cacheable ? cached.get(ctx.path) : undefined;
    if (hit) return answer(ctx, hit);
    await next();
    if (!cacheable || ctx.status !== 200) return;
    // oidc-provider answers with a plain object, which koa sends as JSON.stringify gives it.
    const { body } = ctx;
    const text = typeof body === 'string' ? body : body?.constructor === Object ? JSON.stringify(body) : null;
    if (text === null) return;
    const document = {
      body: text,
      etag: `"${createHash('sha256').update(text).digest('base64url')}"`,
      type: ctx.response.type || 'application/json',
    };
    cached.set(ctx.path, document);
    answer(ctx, document);
  } as PublicDocumentCache;
  middleware.invalidate = () => cached.clear();
  return middleware;
}
