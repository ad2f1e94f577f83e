import type { Context, Next } from 'koa';
import { storeUnavailable } from '../storage/errors.js';

/** How long a client is asked to wait when the store is busy or failing. */
export const RETRY_AFTER_SECONDS = 5;

/**
 * Outermost middleware: every 503 (pages, the provider's endpoints, the admin API, readiness)
 * says when to come back, and a busy store that no route translated still answers 503, not 500.
 */
export async function answerUnavailable(ctx: Context, next: Next): Promise<void> {
  try {
    await next();
  } catch (error) {
    if (!storeUnavailable(error)) throw error;
    ctx.app.emit('error', error, ctx);
    ctx.status = 503;
    ctx.body = { error: 'temporarily_unavailable' };
  }
  if (ctx.status === 503 && !ctx.response.get('Retry-After')) ctx.set('Retry-After', String(RETRY_AFTER_SECONDS));
}
