import type { Actor, RequestOrigin } from '../audit/types.js';
import type { Services } from '../services.js';
import type { Authority } from '../roles/permissions.js';

/** Who asks for an administrative change, and how the answer is awaited. */
export interface Caller {
  actor: Actor;
  /** Where the request came from (the admin API); absent for the CLI. */
  origin?: RequestOrigin;
  /**
   * Whether e-mails the change causes are awaited before answering. The CLI waits (it exits
   * when done); the API answers at once and lets them go out in the background.
   */
  awaitMail: boolean;
  /**
   * What the caller may do, for use cases that look further than the endpoint's permission (which
   * roles it may hand out). Absent for the CLI: the operator on the machine may do everything.
   */
  authority?: Authority;
  /** The support grant this change is made under, if no standing role allowed it (R12: named in the trail). */
  supportGrantId?: string;
}

export type AuditTarget = { type: string; id: string };

/** Writes an administrative action to the audit trail as `admin.<action>`. */
export function recordAdmin(services: Services) {
  return (caller: Caller, action: string, target: AuditTarget, tenantId: string | null, details?: Record<string, unknown>) =>
    services.audit.record({
      tenantId,
      actor: caller.actor,
      action: `admin.${action}`,
      target,
      origin: caller.origin,
      details: caller.supportGrantId ? { ...details, supportGrantId: caller.supportGrantId } : details,
    });
}
