import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { parseOrThrow } from '../validation.js';
import { readJson } from '../web/body.js';
import type { AdminState } from './auth.js';
import type { Permission } from '../roles/permissions.js';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface RouteInput {
  params: Record<string, string>;
  query: Record<string, unknown>;
  /** The parsed JSON body, validated by the service that receives it. */
  body: unknown;
  state: AdminState;
  ctx: Context;
}

/** One admin endpoint: its documentation, its input and its handler, declared together. */
export interface RouteSpec {
  method: Method;
  /** Koa-style path below /admin/v1, e.g. `/tenants/:tenant`. */
  path: string;
  operationId: string;
  summary: string;
  tag: string;
  /**
   * What the caller must be allowed to do, checked before the handler runs. A tenant
   * permission is checked against the tenant the path (`:tenant`) or the `tenant` query names.
   */
  permission: Permission;
  /** Documents (and so requires) a JSON body; the receiving service validates it. */
  body?: z.ZodType;
  query?: z.ZodObject;
  /** `contentType` for answers other than JSON (e.g. streamed JSON Lines: the handler returns a Readable). */
  response: { status: 200 | 201 | 204; description: string; schema?: z.ZodType; contentType?: string };
  handler(input: RouteInput): Promise<unknown>;
}

export const pageQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  after: z.string().max(64).optional(),
});

/** Decides whether the caller may call this endpoint for this tenant reference; throws to refuse. */
export type Guard = (ctx: Context, spec: RouteSpec, tenantRef: string | undefined) => Promise<void>;

/** The tenant a request is about: the `:tenant` path parameter, else a `tenant` query parameter the route takes. */
export function tenantRefOf(spec: RouteSpec, ctx: Pick<Context, 'params' | 'query'>): string | undefined {
  if (spec.path.includes(':tenant')) return (ctx.params as Record<string, string>).tenant;
  const fromQuery = spec.query?.shape.tenant ? ctx.query.tenant : undefined;
  return typeof fromQuery === 'string' && fromQuery !== '' ? fromQuery : undefined;
}

export class AdminRoutes {
  readonly router = new Router();
  private readonly specs: RouteSpec[] = [];

  constructor(
    private readonly maxBodyBytes: number,
    private readonly guard: Guard = async () => {},
  ) {}

  add(spec: RouteSpec): void {
    this.specs.push(spec);
    this.router[spec.method](spec.path, async (ctx) => {
      await this.guard(ctx, spec, tenantRefOf(spec, ctx));
      const query = spec.query ? parseOrThrow(spec.query, ctx.query) : {};
      const body = spec.body ? await readJson(ctx, this.maxBodyBytes) : undefined;
      const result = await spec.handler({ params: ctx.params, query, body, state: ctx.state as AdminState, ctx });
      ctx.status = spec.response.status;
      if (spec.response.contentType) ctx.type = spec.response.contentType;
      if (spec.response.status !== 204) ctx.body = result;
    });
  }

  list(): readonly RouteSpec[] {
    return this.specs;
  }
}
