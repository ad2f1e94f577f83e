import type { AuditEvent, AuditQuery, ChainHead } from './types.js';
import type { UnsealedEvent } from './chain.js';

/** What the audit trail needs from a store. */
export interface AuditRepository {
  /**
   * Appends to the event's chain atomically: reads the chain's head and writes the event that
   * `seal` links after it as one step, so parallel writers (other processes, other nodes) never
   * fork the chain. Returns the stored event.
   */
  append(event: UnsealedEvent, seal: (event: UnsealedEvent, head: ChainHead | null) => AuditEvent): Promise<AuditEvent>;
  /** Newest first. */
  list(query: AuditQuery): Promise<AuditEvent[]>;
  /** A chain (tenant id, or '' for the operators') in stored order of seq, after `afterSeq`. */
  chain(chain: string, afterSeq: number, limit: number): Promise<AuditEvent[]>;
  /** The head of every chain, keyed by chain. */
  heads(): Promise<Record<string, ChainHead>>;
  /** Removes a tenant's chain (its purge); returns how many went. */
  deleteChain(chain: string): Promise<number>;
}
