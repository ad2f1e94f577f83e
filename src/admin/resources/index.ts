import type { Services } from '../../services.js';
import type { AdminRoutes } from '../route.js';
import { registerAccountRoutes } from './accounts.js';
import { registerAuditRoutes } from './audit-events.js';
import { registerClientRoutes } from './clients.js';
import { registerConnectionRoutes } from './connections.js';
import { registerTenantRoutes } from './tenants.js';

/** Every admin API resource, in the order the OpenAPI document lists them. */
export function registerResources(routes: AdminRoutes, services: Services): void {
  registerTenantRoutes(routes, services);
  registerAccountRoutes(routes, services);
  registerConnectionRoutes(routes, services);
  registerClientRoutes(routes, services);
  registerAuditRoutes(routes, services);
}
