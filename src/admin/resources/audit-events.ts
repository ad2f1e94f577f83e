import { Readable } from 'node:stream';
import { z } from 'zod';
import type { Services } from '../../services.js';
import type { AdminOperations } from '../../operations/index.js';
import { type AdminRoutes } from '../route.js';
import { auditEventOut, chainReportOut, listOf } from '../schemas.js';

const filters = {
  tenant: z.string().max(100).optional(),
  action: z.string().max(100).optional(),
  since: z.iso.datetime().optional().describe('Events at or after this time'),
  until: z.iso.datetime().optional().describe('Events before this time'),
  actor: z.string().max(200).optional().describe("The actor's id (account, client, operating-system user)"),
  target: z.string().max(200).optional().describe("The target's id"),
  outcome: z.enum(['success', 'failure']).optional(),
};

/** The audit trail, newest first; its hash chains checked. */
export function registerAuditRoutes(routes: AdminRoutes, services: Services, operations: AdminOperations): void {
  const auditQuery = z.strictObject({
    ...filters,
    limit: z.coerce.number().int().min(1).max(500).default(100),
    before: z.string().max(64).optional().describe("Pass the previous page's `next` to read on"),
  });
  const exportQuery = z.strictObject(filters);
  const query = async (q: z.infer<typeof exportQuery>) => ({
    tenantId: q.tenant ? (await services.tenants.get(q.tenant)).id : undefined,
    action: q.action,
    since: q.since,
    until: q.until,
    actorId: q.actor,
    targetId: q.target,
    outcome: q.outcome,
  });

  routes.add({
    method: 'get',
    path: '/audit-events',
    operationId: 'listAuditEvents',
    permission: 'tenant.audit.read',
    summary: 'Read the audit trail, newest first',
    tag: 'Audit',
    query: auditQuery,
    response: { status: 200, description: 'A page of events', schema: listOf(auditEventOut) },
    handler: async ({ query: raw }) => {
      const q = raw as z.infer<typeof auditQuery>;
      const items = await services.audit.list({ ...(await query(q)), limit: q.limit, before: q.before });
      return { items, next: items.length === q.limit ? items[items.length - 1]!.id : null };
    },
  });
  routes.add({
    method: 'get',
    path: '/audit-events/export',
    operationId: 'exportAuditEvents',
    permission: 'tenant.audit.read',
    summary: 'Every matching event as JSON Lines (one event a line, newest first), streamed',
    tag: 'Audit',
    query: exportQuery,
    response: { status: 200, description: 'JSON Lines', schema: auditEventOut, contentType: 'application/jsonl' },
    handler: async ({ query: raw }) => {
      const q = await query(raw as z.infer<typeof exportQuery>);
      const { tenantId, ...rest } = q;
      // The tenant is resolved above, so an unknown one is a 404 before the stream starts.
      return Readable.from(operations.audit.exportLines(tenantId, rest));
    },
  });
  routes.add({
    method: 'get',
    path: '/audit-events/verify',
    operationId: 'verifyAuditEvents',
    permission: 'tenant.audit.read',
    summary: 'Check the hash chain of a tenant (or every chain): valid, or the first broken link (seq, edited/missing/reordered/truncated)',
    tag: 'Audit',
    query: z.strictObject({ tenant: z.string().max(100).optional() }),
    response: {
      status: 200,
      description: 'One report per chain',
      schema: z.object({ valid: z.boolean(), chains: z.array(chainReportOut) }),
    },
    handler: async ({ query: raw }) => operations.audit.verify((raw as { tenant?: string }).tenant),
  });
}
