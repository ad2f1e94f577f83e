import type { Context, Next } from 'koa';
import { negotiateLocale } from '../i18n/messages.js';
import type { Throttle } from '../throttle/throttle.js';
import { addressKey } from '../web/origin.js';
import { PageError, renderPageFailures } from '../web/page-error.js';
import { reachesRoute, ROUTES } from './settings.js';

/**
 * Before the provider sees an authorization request, which it stores with all its parameters
 * as an interaction for an hour: each client address may start only so many per window
 * (429), and a request larger than `maxBytes` is refused (414 or 413) instead of stored.
 */
export function authorizationRequestLimits(deps: { throttle: Throttle; maxBytes: number }) {
  const renderFailures = renderPageFailures();

  async function check(ctx: Context): Promise<void> {
    const uiLocales = ctx.query.ui_locales;
    (ctx.state as { locale?: unknown }).locale = negotiateLocale(
      typeof uiLocales === 'string' ? uiLocales : undefined,
      ctx.get('accept-language'),
    );
    if (Buffer.byteLength(ctx.querystring) > deps.maxBytes) throw new PageError(414, 'error.request_too_large', 'request_too_large');
    if (ctx.method === 'POST') {
      // Without a length the provider would read up to 56 KB before anyone could refuse it; browsers always send one.
      if (!ctx.get('content-length')) throw new PageError(411, 'error.request_too_large', 'length_required');
      if (Number(ctx.get('content-length')) > deps.maxBytes) throw new PageError(413, 'error.request_too_large', 'request_too_large');
    }
    const verdict = await deps.throttle.hit(`authorization:${addressKey(ctx.ip)}`);
    if (!verdict.allowed) {
      ctx.set('Retry-After', String(verdict.retryAfterSeconds));
      throw new PageError(429, 'error.too_many_sign_ins', 'too_many_requests');
    }
  }

  return async function limitAuthorizationRequests(ctx: Context, next: Next): Promise<void> {
    if (!reachesRoute(ctx.path, ROUTES.authorization)) {
      await next();
      return;
    }
    let admitted = false;
    await renderFailures(ctx, async () => {
      await check(ctx);
      admitted = true;
    });
    if (admitted) await next();
  };
}
