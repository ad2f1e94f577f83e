import { z } from 'zod';
import type { Services } from '../../services.js';
import { type AdminRoutes } from '../route.js';
import { auditEventOut, listOf } from '../schemas.js';

/** The audit trail, newest first. */
export function registerAuditRoutes(routes: AdminRoutes, services: Services): void {
  const auditQuery = z.strictObject({
    tenant: z.string().max(100).optional(),
    action: z.string().max(100).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
    before: z.string().max(64).optional(),
  });
  routes.add({
    method: 'get', path: '/audit-events', operationId: 'listAuditEvents', summary: 'Read the audit trail, newest first', tag: 'Audit',
    query: auditQuery, response: { status: 200, description: 'A page of events', schema: listOf(auditEventOut) },
    handler: async ({ query }) => {
      const q = query as z.infer<typeof auditQuery>;
      const tenantId = q.tenant ? (await services.tenants.get(q.tenant)).id : undefined;
      const items = await services.audit.list({ tenantId, action: q.action, limit: q.limit, before: q.before });
      return { items, next: items.length === q.limit ? items[items.length - 1]!.id : null };
    },
  });
}
