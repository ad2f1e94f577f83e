import type { AuditEvent, AuditQuery } from './types.js';

/** What the audit trail needs from a store. */
export interface AuditRepository {
  append(event: AuditEvent): Promise<void>;
  /** Newest first. */
  list(query: AuditQuery): Promise<AuditEvent[]>;
}
