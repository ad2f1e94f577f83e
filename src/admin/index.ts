import Router from '@koa/router';
import type Provider from 'oidc-provider';
import type { Services } from '../services.js';
import type { ClientRepository } from '../clients/repository.js';
import { noStore } from '../web/security-headers.js';
import { requireAdminToken } from './auth.js';
import { ADMIN_PREFIX, openApiDocument } from './openapi.js';
import { problemJson } from './problem.js';
import { registerResources } from './resources/index.js';
import { adminOperations } from '../operations/index.js';
import { AdminRoutes } from './route.js';
import { permissionGuard } from './authorize.js';

export interface AdminDeps {
  issuer: string;
  provider: Provider;
  services: Services;
  clients: ClientRepository;
  maxBodyBytes: number;
  /** The operator's audit anchor file, which chain checks compare against. */
  auditAnchorFile?: string;
}

export function adminApi(deps: AdminDeps): Router {
  const routes = new AdminRoutes(deps.maxBodyBytes, permissionGuard(deps.services));
  registerResources(routes, deps.services, adminOperations(deps.services, { auditAnchorFile: deps.auditAnchorFile }));
  const document = openApiDocument(deps.issuer, routes.list());

  const api = new Router({ prefix: ADMIN_PREFIX });
  api.use(problemJson);
  api.get('/openapi.json', (ctx) => {
    ctx.body = document;
  });
  api.use(async (ctx, next) => {
    noStore(ctx);
    await next();
  });
  api.use(requireAdminToken(deps.provider, deps.clients, deps.services));
  api.use(routes.router.routes(), routes.router.allowedMethods({ throw: false }));
  api.all('/{*rest}', (ctx) => {
    ctx.status = 404;
  });
  return api;
}
