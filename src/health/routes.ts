import Router from '@koa/router';
import type { Storage } from '../storage/port.js';

/** /healthz: the process answers. /readyz: and its database does too. */
export function healthRoutes(storage: Storage): Router {
  const router = new Router();
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    try {
      await storage.ping();
      ctx.body = { status: 'ready', storage: storage.kind };
    } catch {
      ctx.status = 503;
      ctx.body = { status: 'unavailable', storage: storage.kind };
    }
  });
  return router;
}
