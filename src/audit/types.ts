export type ActorType = 'user' | 'admin_client' | 'cli' | 'system' | 'anonymous';

export interface Actor {
  type: ActorType;
  /** Account id, client id, operating-system user; absent for anonymous. */
  id?: string;
}

export interface AuditEvent {
  id: string;
  time: string;
  tenantId: string | null;
  actor: Actor;
  /** Dotted verb, e.g. `login.password`, `admin.tenant.create`. */
  action: string;
  target: { type: string; id: string } | null;
  outcome: 'success' | 'failure';
  /** Why a failure failed, as a stable id. */
  reason: string | null;
  ip: string | null;
  userAgent: string | null;
  /** Extra facts (old and new values of a change); never secrets. */
  details: Record<string, unknown> | null;
}

export interface AuditQuery {
  tenantId?: string;
  action?: string;
  limit: number;
  /** Return events whose id sorts before this one (ids are time-ordered). */
  before?: string;
}

/** Where a request came from, for the record. */
export interface RequestOrigin {
  ip: string | null;
  userAgent: string | null;
}
