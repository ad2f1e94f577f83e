import type { IncomingMessage, ServerResponse } from 'node:http';
import type Koa from 'koa';
import { withRequestId } from '../log/request-context.js';
import { pinnable, pinRequest, type IssuerPin } from './issuer-host.js';

export interface MachineLaneOptions {
  /** Paths exactly as sent that take the lane (no query). */
  paths: ReadonlySet<string>;
  trustProxy: boolean;
  /** The issuer-host check, on the host exactly as sent. */
  acceptedHost(host: string): boolean;
  pin: IssuerPin;
  /** The headers every such answer carries (apiSecurityHeaderList). */
  headers: readonly [string, string][];
  /** Looks at each request before it is served (the X-Forwarded-For warning). */
  inspect?(req: IncomingMessage): void;
  /** Each answer once written, with its request id current (metrics, the debug log). */
  served(path: string, method: string, status: number, seconds: number): void;
}

export const pathOf = (url = ''): string => {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
};

/**
 * The provider's endpoints for apps and APIs (token, introspection, userinfo, …) answer JSON,
 * never pages, and carry most of the load. They are served by the provider's own koa app
 * (`app`) straight from node's request: what every answer owes its caller (the host check, the request
 * id, the API headers, timing) is done here on the raw request instead of by a koa app of ours
 * around the provider, and every step that only acts on other paths is left out.
 *
 * Answers false, having touched nothing, for a request that is not the lane's exactly as sent:
 * another path or spelling of it, a query-less absolute-form target, a host that is not accepted
 * as written (a list of forwarded hosts, user info, a foreign name). The whole app serves those,
 * and refuses what it must.
 */
export function machineLane(app: Koa, lane: MachineLaneOptions) {
  // The pin must be read by the app that serves the lane (URLs, DPoP htu, client assertion audiences).
  pinnable(app.request);
  const serve = app.callback();
  return function serveMachineRequest(req: IncomingMessage, res: ServerResponse): boolean {
    const path = pathOf(req.url);
    if (!lane.paths.has(path)) return false;
    // The host koa would take: X-Forwarded-Host only from a trusted proxy.
    const host = (lane.trustProxy ? req.headers['x-forwarded-host'] : undefined) ?? req.headers.host;
    if (typeof host !== 'string' || !lane.acceptedHost(host)) return false;
    lane.inspect?.(req);
    pinRequest(req, lane.pin);
    for (const [name, value] of lane.headers) res.setHeader(name, value);
    void withRequestId(req, res, lane.trustProxy, () => {
      const started = performance.now();
      return serve(req, res).then(() => lane.served(path, req.method ?? '', res.statusCode, (performance.now() - started) / 1000));
    });
    return true;
  };
}
