import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type Koa from 'koa';
import type { AuditRepository } from '../audit/repository.js';
import type { Storage } from '../storage/port.js';
import { secretsEqual } from '../crypto/equal.js';
import type { Metrics } from './metrics.js';

/**
 * The store's audit repository, every appended event also counted. A Proxy rather than a
 * class, so methods the audit capability adds later pass through unchanged.
 */
export function withAuditMetrics(storage: Storage, metrics: Metrics): Storage {
  const audit = new Proxy(storage.audit, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (property !== 'append' || typeof value !== 'function') {
        return typeof value === 'function' ? ((value as (...a: unknown[]) => unknown).bind(target) as unknown) : value;
      }
      return async (...args: Parameters<AuditRepository['append']>) => {
        const result = await (value as AuditRepository['append']).apply(target, args);
        metrics.observe(result);
        return result;
      };
    },
  });
  return { ...storage, audit };
}

/** Times every request; early in the chain so that every answer is counted (`served` counts it: metrics, the debug log). */
export function requestTiming(served: (path: string, method: string, status: number, seconds: number) => void): Koa.Middleware {
  return async (ctx, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      served(ctx.path, ctx.method, ctx.status, (performance.now() - started) / 1000);
    }
  };
}

async function exposition(metrics: Metrics): Promise<{ type: string; body: string }> {
  return { type: metrics.registry.contentType, body: await metrics.registry.metrics() };
}

/**
 * `/metrics` on the main port, only with `Authorization: Bearer <METRICS_TOKEN>`; without a
 * METRICS_TOKEN it is not served there (404) and only METRICS_PORT, if set, serves it.
 */
export function metricsRoute(metrics: Metrics, token: string | undefined): Koa.Middleware {
  return async (ctx, next) => {
    if (ctx.path !== '/metrics' || !token) {
      await next();
      return;
    }
    const given = /^Bearer (.+)$/.exec(ctx.get('authorization'))?.[1];
    if (!given || !secretsEqual(token, given)) {
      ctx.status = 401;
      ctx.set('WWW-Authenticate', 'Bearer realm="metrics"');
      ctx.type = 'text/plain';
      ctx.body = 'metrics need Authorization: Bearer <METRICS_TOKEN>\n';
      return;
    }
    const { type, body } = await exposition(metrics);
    ctx.set('Cache-Control', 'no-store');
    ctx.type = type;
    ctx.body = body;
  };
}

/** A separate listener that serves only GET /metrics, for a port the outside cannot reach. */
export async function listenMetrics(metrics: Metrics, port: number): Promise<{ server: http.Server; url: string }> {
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || new URL(req.url ?? '/', 'http://x').pathname !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    exposition(metrics).then(
      ({ type, body }) => res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' }).end(body),
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, resolve);
  });
  return { server, url: `http://localhost:${(server.address() as AddressInfo).port}/metrics` };
}
