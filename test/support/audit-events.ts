import type { Idp } from '../../src/app.js';
import type { AuditEvent, AuditQuery } from '../../src/audit/types.js';

/**
 * The audit events matching `query` once `enough` holds for them. Events written by listeners
 * that do not hold up the answer (the provider's) may land just after it; this waits for them,
 * up to a generous bound, instead of racing them. It asserts nothing about time.
 */
export async function auditEventsOnce(
  idp: Idp,
  query: Omit<AuditQuery, 'limit'>,
  enough: (events: AuditEvent[]) => boolean,
): Promise<AuditEvent[]> {
  const until = Date.now() + 15_000;
  for (;;) {
    const events = await idp.services.audit.list({ ...query, limit: 100 });
    if (enough(events) || Date.now() > until) return events;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
