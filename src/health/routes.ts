import Router from '@koa/router';
import type { Storage } from '../storage/port.js';
import { WriteCheck } from './write-check.js';

/** How often readiness writes its heartbeat at most; probes in between get the last answer. */
const WRITE_CHECK_INTERVAL_MS = 2000;

/** /healthz: the process answers. /readyz: its database answers and takes a write, and it is not shutting down. */
export function healthRoutes(storage: Storage, draining: () => boolean = () => false): Router {
  const router = new Router();
  const writes = new WriteCheck(storage, WRITE_CHECK_INTERVAL_MS);
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    if (draining()) {
      ctx.status = 503;
      ctx.body = { status: 'draining', storage: storage.kind };
      return;
    }
    const reads = await storage.ping().then(
      () => true,
      () => false,
    );
    if (reads && (await writes.ok())) {
      ctx.body = { status: 'ready', storage: storage.kind };
      return;
    }
    ctx.status = 503;
    ctx.body = { status: 'unavailable', storage: storage.kind, failing: reads ? 'write' : 'read' };
  });
  return router;
}
