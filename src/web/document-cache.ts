import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Context, Next } from 'koa';

interface CachedDocument {
  body: string;
  etag: string;
  type: string;
  /** What a full answer carries but the request id, as writeHead takes them: name, value, name, value… */
  full: string[];
  /** The same for a 304, without the body's type and length. */
  notModified: string[];
}

/** What an answer written without koa must also carry, and who counts it. */
export interface DirectAnswers {
  /** The headers every answer carries (security headers). */
  headers: [string, string][];
  /** Whether the request's Host names the issuer (the issuer-host check). */
  acceptedHost(host: string): boolean;
  /** The request's id, as requestIds would give it. */
  requestId(req: IncomingMessage): string;
  /** Counts the answer in the metrics, as requestTiming would. */
  served(path: string, method: string, status: number, seconds: number): void;
}

export interface PublicDocumentCache {
  (ctx: Context, next: Next): Promise<void>;
  /** Forgets every document (the signing keys changed); the next request asks the provider again. */
  invalidate(): void;
  /**
   * Answers a plain GET or HEAD of a cached document straight from node's request, before koa
   * and every middleware; false when it did not (not cached, a query, a forwarded or foreign
   * host), and koa is to serve the request.
   */
  answerDirectly(req: IncomingMessage, res: ServerResponse): boolean;
}

/**
 * For documents that are public, the same for every caller and change only with the keys
 * (discovery, JWKS): the provider's first answer is kept and served from then on, before any
 * other route runs, with a short shared-cache lifetime and an ETag (a conditional request gets 304).
 * With `direct`, later requests are answered without koa at all (answerDirectly).
 */
export function publicDocumentCache(paths: readonly string[], maxAgeSeconds: number, direct?: DirectAnswers): PublicDocumentCache {
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
    const etag = `"${createHash('sha256').update(text).digest('base64url')}"`;
    const type = ctx.response.get('Content-Type') || 'application/json';
    const common = [...(direct?.headers ?? []), ['Access-Control-Allow-Origin', '*'], ['Cache-Control', cacheControl], ['ETag', etag]];
    const document: CachedDocument = {
      body: text,
      etag,
      type,
      full: [...common, ['Content-Type', type], ['Content-Length', String(Buffer.byteLength(text))]].flat(),
      notModified: common.flat(),
    };
    cached.set(ctx.path, document);
    answer(ctx, document);
  } as PublicDocumentCache;
  middleware.invalidate = () => cached.clear();
  middleware.answerDirectly = (req, res) => {
    if (!direct || (req.method !== 'GET' && req.method !== 'HEAD')) return false;
    const document = cached.get(req.url ?? '');
    const host = req.headers.host;
    // A forwarded host is koa's to judge (it depends on TRUST_PROXY); so is anything unusual.
    if (!document || host === undefined || req.headers['x-forwarded-host'] !== undefined || !direct.acceptedHost(host)) return false;
    const started = performance.now();
    const id = direct.requestId(req);
    const unchanged = ifNoneMatch(req.headers['if-none-match'], document.etag);
    if (unchanged) res.writeHead(304, [...document.notModified, 'X-Request-Id', id]).end();
    else res.writeHead(200, [...document.full, 'X-Request-Id', id]).end(req.method === 'HEAD' ? undefined : document.body);
    direct.served(req.url!, req.method, unchanged ? 304 : 200, (performance.now() - started) / 1000);
    return true;
  };
  return middleware;
}

/** RFC 9110 13.1.2, weak comparison: `*` or any listed tag whose opaque part is the document's. */
function ifNoneMatch(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  return header.split(',').some((tag) => {
    const trimmed = tag.trim();
    return trimmed === '*' || trimmed === etag || trimmed === `W/${etag}`;
  });
}
