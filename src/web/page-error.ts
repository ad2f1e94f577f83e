import type { Context, Next } from 'koa';
import { negotiateLocale, type MessageId } from '../i18n/messages.js';
import { errorPage } from '../views/pages.js';
import { storeUnavailable } from '../storage/errors.js';
import { BodyError } from './body.js';
import { noStore } from './security-headers.js';

/** A failure shown to the person as a page in their language, with this HTTP status. */
export class PageError extends Error {
  constructor(
    readonly status: number,
    readonly messageId: MessageId,
    readonly code: string,
  ) {
    super(code);
    this.name = 'PageError';
  }
}

/** Turns a failure a route knows about into a page; undefined leaves it to the common rules. */
export type FailureTranslator = (error: unknown, ctx: Context) => PageError | undefined | Promise<PageError | undefined>;

/**
 * Middleware for page routes: every failure below becomes an error page in the person's
 * language (never a stack trace), and the response is never cached.
 */
export function renderPageFailures(translate: FailureTranslator = () => undefined) {
  return async function renderFailures(ctx: Context, next: Next): Promise<void> {
    noStore(ctx);
    try {
      await next();
    } catch (error) {
      const failure = (await translate(error, ctx)) ?? commonFailure(error);
      if (failure.status >= 500) ctx.app.emit('error', error, ctx);
      ctx.status = failure.status;
      ctx.type = 'html';
      const locale =
        (ctx.state as { locale?: Parameters<typeof errorPage>[0] }).locale ?? negotiateLocale(undefined, ctx.get('accept-language'));
      ctx.body = errorPage(locale, failure.messageId, failure.code);
    }
  };
}

function commonFailure(error: unknown): PageError {
  if (error instanceof PageError) return error;
  if (error instanceof BodyError) {
    return new PageError(error.status, error.status === 413 ? 'error.too_large' : 'error.bad_request', error.reason);
  }
  if (storeUnavailable(error)) return new PageError(503, 'error.unavailable', 'temporarily_unavailable');
  return new PageError(500, 'error.server', 'server_error');
}
