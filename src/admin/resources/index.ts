import type { Services } from '../../services.js';
import type { AdminOperations } from '../../operations/index.js';
import type { AdminRoutes } from '../route.js';
import { registerAccountRoutes } from './accounts.js';
import { registerAuditRoutes } from './audit-events.js';
import { registerClientRoutes } from './clients.js';
import { registerConnectionRoutes } from './connections.js';
import { registerTenantRoutes } from './tenants.js';
import { registerKeyRoutes } from './keys.js';
import { registerRoleRoutes, registerSelfRoute } from './roles.js';

/** Every admin API resource, in the order the OpenAPI document lists them. */
export function registerResources(routes: AdminRoutes, services: Services, operations: AdminOperations): void {
  registerSelfRoute(routes);
  registerTenantRoutes(routes, services, operations);
  registerAccountRoutes(routes, services, operations);
  registerRoleRoutes(routes, operations);
  registerConnectionRoutes(routes, services, operations);
  registerClientRoutes(routes, services, operations);
  registerAuditRoutes(routes, services, operations);
  registerKeyRoutes(routes, operations);
}
