import type { Context } from 'koa';
import type { LoopbackFetch } from './in-process-fetch.js';
import type { ConsoleSession } from './session.js';

/** One failed rule of a problem+json answer, as the admin API reports it. */
export interface FieldProblem {
  field: string;
  code: string;
  message: string;
}

export interface Problem {
  status: number;
  type: string;
  title: string;
  detail?: string;
  problems?: FieldProblem[];
}

export type ApiResult<T> = { ok: true; status: number; data: T } | { ok: false; status: number; problem: Problem };

/** The API refused the person's token (expired, revoked): the console's session is over. */
export class SessionEnded extends Error {
  constructor() {
    super('the admin API refused the session token');
    this.name = 'SessionEnded';
  }
}

/** The API answered a status the page has no form to show it on (403, 404, 409 on a link, 5xx). */
export class ApiRefusal extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title);
    this.name = 'ApiRefusal';
  }
}

export type Api = ReturnType<typeof adminApiClient>;

/**
 * The admin API as the signed-in person calls it: their bearer token, their address and user
 * agent (so the API's audit trail names them and where they were), JSON in and out.
 */
export function adminApiClient(fetchApp: LoopbackFetch, issuer: string, ctx: Context, session: ConsoleSession) {
  async function call<T>(method: string, path: string, body?: unknown): Promise<ApiResult<T>> {
    const headers: Record<string, string> = { authorization: `Bearer ${session.accessToken}`, accept: 'application/json' };
    const userAgent = ctx.get('user-agent');
    if (userAgent) headers['user-agent'] = userAgent.slice(0, 500);
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetchApp(
      `${issuer}/admin/v1${path}`,
      { method, headers, body: body === undefined ? undefined : JSON.stringify(body) },
      ctx.ip || undefined,
    );
    if (response.status === 401) throw new SessionEnded();
    const text = await response.text();
    const json = /^application\/(?:problem\+)?json/.test(response.headers.get('content-type') ?? '');
    const parsed: unknown = text && json ? JSON.parse(text) : undefined;
    if (response.ok) return { ok: true, status: response.status, data: parsed as T };
    const problem = (parsed ?? {}) as Partial<Problem>;
    return {
      ok: false,
      status: response.status,
      problem: { status: response.status, type: problem.type ?? 'about:blank', title: problem.title ?? '', ...problem },
    };
  }

  /** The answer's data; a refusal without a form to show it on becomes an error page. */
  async function need<T>(method: string, path: string, body?: unknown): Promise<T> {
    const result = await call<T>(method, path, body);
    if (!result.ok) throw new ApiRefusal(result.problem);
    return result.data;
  }

  return {
    call,
    need,
    get: <T>(path: string) => need<T>('GET', path),
  };
}

/** `/tenants/acme` with every dynamic part encoded: values from URLs never reshape the API path. */
export function apiPath(strings: TemplateStringsArray, ...values: string[]): string {
  return strings.reduce((out, part, i) => out + part + (i < values.length ? encodeURIComponent(values[i]!) : ''), '');
}

/** A query string from the defined, non-empty values. */
export function query(values: Record<string, string | number | undefined | null>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(values))
    if (value !== undefined && value !== null && value !== '') params.set(name, String(value));
  const text = params.toString();
  return text ? `?${text}` : '';
}
