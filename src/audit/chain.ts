import { createHash } from 'node:crypto';
import type { AuditEvent, ChainHead } from './types.js';

/** The previous hash of every chain's first event. */
export const GENESIS_HASH = '0'.repeat(64);

/** The operators' chain (events outside any tenant: operator actions, purges) has this key. */
export const OPERATORS_CHAIN = '';

/** The chain an event belongs to: its tenant's, or the operators'. */
export const chainOf = (tenantId: string | null): string => tenantId ?? OPERATORS_CHAIN;

/**
 * The canonical form of an event, which its hash covers: JSON (RFC 8259) of every field but
 * `hash`, object keys sorted by UTF-16 code unit at every depth, no whitespace, properties whose
 * value is `undefined` left out, arrays in their order. Stable across processes and stores.
 */
export function canonicalForm(event: Omit<AuditEvent, 'hash'> & { hash?: string }): string {
  const { hash: _hash, ...rest } = event;
  return canonicalJson(rest);
}

function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** SHA-256, hex, of the canonical form. */
export function hashOf(event: Omit<AuditEvent, 'hash'> & { hash?: string }): string {
  return createHash('sha256').update(canonicalForm(event), 'utf8').digest('hex');
}

export type UnsealedEvent = Omit<AuditEvent, 'seq' | 'prevHash' | 'hash'>;

/** Links an event after the chain's head (null: the chain is empty). */
export function seal(event: UnsealedEvent, head: ChainHead | null): AuditEvent {
  const linked = { ...event, seq: (head?.seq ?? 0) + 1, prevHash: head?.hash ?? GENESIS_HASH };
  return { ...linked, hash: hashOf(linked) };
}

export type BreakKind = 'edited' | 'missing' | 'reordered' | 'truncated';

export interface ChainBreak {
  seq: number;
  kind: BreakKind;
  eventId: string | null;
  message: string;
}

export interface ChainReport {
  chain: string;
  tenantId: string | null;
  valid: boolean;
  /** Events read. */
  events: number;
  head: ChainHead | null;
  /** The first broken link; null when valid. */
  broken: ChainBreak | null;
}

/**
 * Checks events read in stored order (ascending by their stored sequence number) and returns the
 * first broken link: an event whose hash does not match its content (edited), a sequence number
 * skipped (missing), or events out of order or linked to another predecessor (reordered).
 * Stateful, so a chain is checked page by page without holding it in memory.
 */
export class ChainChecker {
  private anchoredHash: string | null = null;
  private expected = 1;
  private previousHash = GENESIS_HASH;
  private count = 0;
  private last: ChainHead | null = null;
  broken: ChainBreak | null = null;

  /** `anchor`: the chain's head as an earlier anchor recorded it, if one is at hand. */
  constructor(private readonly anchor?: ChainHead) {}

  /** `next` is the event after this one in stored order, if any (tells a gap from a swap). */
  check(event: AuditEvent, next: AuditEvent | undefined): boolean {
    if (this.broken) return false;
    this.count += 1;
    const at = this.expected;
    if (hashOf(event) !== event.hash) {
      return this.fail(at, 'edited', event, `event ${event.id} at seq ${at} does not match its hash: its content was changed`);
    }
    if (event.seq !== at) {
      // A gap: the chain goes on in order after it. Otherwise events stand out of order.
      if (event.seq > at && (next === undefined || next.seq > event.seq)) {
        return this.fail(at, 'missing', null, `seq ${at} is missing: the chain jumps from ${at - 1} to ${event.seq}`);
      }
      return this.fail(at, 'reordered', event, `event ${event.id} carries seq ${event.seq} but stands at seq ${at}`);
    }
    if (event.prevHash !== this.previousHash) {
      return this.fail(at, 'reordered', event, `event ${event.id} at seq ${at} does not link to the event before it`);
    }
    this.expected += 1;
    this.previousHash = event.hash;
    this.last = { seq: event.seq, hash: event.hash };
    if (event.seq === this.anchor?.seq) this.anchoredHash = event.hash;
    return true;
  }

  /** Compares the end of the chain with an anchor taken earlier: the anchored event must still be there, unchanged. */
  finish(): void {
    const anchor = this.anchor;
    if (this.broken || !anchor) return;
    if (this.anchoredHash === null) {
      this.broken = {
        seq: (this.last?.seq ?? 0) + 1,
        kind: 'truncated',
        eventId: null,
        message: `the chain ends at seq ${this.last?.seq ?? 0} but the anchor records seq ${anchor.seq}: its tail was removed`,
      };
    } else if (this.anchoredHash !== anchor.hash) {
      this.broken = {
        seq: anchor.seq,
        kind: 'edited',
        eventId: null,
        message: `seq ${anchor.seq} no longer has the hash the anchor records`,
      };
    }
  }

  report(chain: string): ChainReport {
    return {
      chain,
      tenantId: chain === OPERATORS_CHAIN ? null : chain,
      valid: this.broken === null,
      events: this.count,
      head: this.last,
      broken: this.broken,
    };
  }

  private fail(seq: number, kind: BreakKind, event: AuditEvent | null, message: string): false {
    this.broken = { seq, kind, eventId: event?.id ?? null, message };
    return false;
  }
}
