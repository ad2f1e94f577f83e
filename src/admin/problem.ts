import type { Context, Next } from 'koa';
import { DomainError, ERROR_CODES, type Problem } from '../errors.js';
import { storeUnavailable } from '../storage/errors.js';
import { BodyError } from '../web/body.js';
import { RETRY_AFTER_SECONDS } from '../web/unavailable.js';

/** RFC 9457 problem details; `problems` lists every failed rule at once. */
export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail?: string;
  problems?: Problem[];
}

export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpProblem';
  }
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

function problemOf(error: unknown): { document: ProblemDocument; headers: Record<string, string> } {
  const make = (status: number, code: string, detail: string, problems?: Problem[]) => ({
    type: `urn:idp:problem:${code}`,
    title: TITLES[status] ?? 'Error',
    status,
    detail,
    ...(problems && problems.length ? { problems } : {}),
  });
  if (error instanceof DomainError) {
    return { document: make(ERROR_CODES[error.code], error.code, error.message, error.problems), headers: {} };
  }
  if (error instanceof HttpProblem) return { document: make(error.status, error.code, error.message), headers: error.headers };
  if (error instanceof BodyError) return { document: make(error.status, error.reason, error.message), headers: {} };
  if (storeUnavailable(error)) {
    return {
      document: make(503, 'temporarily_unavailable', 'the store is busy; try again shortly'),
      headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) },
    };
  }
  return { document: make(500, 'server_error', 'an unexpected error occurred'), headers: {} };
}

/** Every failure under /admin/v1 leaves as application/problem+json, never as a stack trace. */
export async function problemJson(ctx: Context, next: Next): Promise<void> {
  try {
    await next();
    if (ctx.status === 404 && ctx.body === undefined) throw new HttpProblem(404, 'not_found', 'no such resource');
  } catch (error) {
    const { document, headers } = problemOf(error);
    if (document.status >= 500) ctx.app.emit('error', error, ctx);
    ctx.status = document.status;
    ctx.set(headers);
    ctx.body = JSON.stringify(document);
    ctx.type = 'application/problem+json';
  }
}
