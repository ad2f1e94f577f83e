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
  /** Position in its chain (the tenant's, or the operators' when tenantId is null), from 1. */
  seq: number;
  /** Hash of the event before it in the chain (64 zeros for the first). */
  prevHash: string;
  /** SHA-256 (hex) of this event's canonical form, see src/audit/chain.ts. */
  hash: string;
}

/** The last event of a chain, as an anchor records it. */
export interface ChainHead {
  seq: number;
  hash: string;
}

export interface AuditQuery {
  tenantId?: string;
  action?: string;
  /** Events at or after this time (ISO 8601). */
  since?: string;
  /** Events before this time (ISO 8601). */
  until?: string;
  /** The actor's id (account, client, operating-system user). */
  actorId?: string;
  /** The target's id. */
  targetId?: string;
  outcome?: 'success' | 'failure';
  limit: number;
  /** Return events whose id sorts before this one (ids are time-ordered). */
  before?: string;
}

/** Where a request came from, for the record. */
export interface RequestOrigin {
  ip: string | null;
  userAgent: string | null;
}
