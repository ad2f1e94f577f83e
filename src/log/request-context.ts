import { randomUUID } from 'node:crypto';
import { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Context, Next } from 'koa';

/**
 * The id of the request being served, for every log line written while serving it (the
 * logger's mixin reads it) and for error pages, so a person can quote it to support.
 */
const requests = new AsyncLocalStorage<{ id: string }>();

export function currentRequestId(): string | undefined {
  return requests.getStore()?.id;
}

/** An id a trusted proxy passes on is kept when it is plain; anything else gets a fresh one. */
const FORWARDED_ID = /^[A-Za-z0-9._-]{8,64}$/;

/** The id of a request: a trusted proxy's plain X-Request-Id, or a fresh one. */
export function requestIdOf(forwardedHeader: string | string[] | undefined, trustProxy: boolean): string {
  const forwarded = trustProxy && typeof forwardedHeader === 'string' ? forwardedHeader : '';
  return FORWARDED_ID.test(forwarded) ? forwarded : randomUUID();
}

/** Gives a request its id (answered as X-Request-Id) and runs `serve` with that id current. */
export function withRequestId<T>(req: IncomingMessage, res: ServerResponse, trustProxy: boolean, serve: () => T): T {
  const id = requestIdOf(req.headers['x-request-id'], trustProxy);
  res.setHeader('X-Request-Id', id);
  return requests.run({ id }, serve);
}

export function requestIds(options: { trustProxy: boolean }) {
  return (ctx: Context, next: Next): Promise<void> => withRequestId(ctx.req, ctx.res, options.trustProxy, next);
}
