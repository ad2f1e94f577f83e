import type { AuditRepository } from './repository.js';
import { newId } from '../ids.js';
import type { Logger } from '../log/logger.js';
import type { Actor, AuditEvent, AuditQuery, ChainHead, RequestOrigin } from './types.js';
import { ChainChecker, chainOf, OPERATORS_CHAIN, seal, type ChainReport, type UnsealedEvent } from './chain.js';

const CHAIN_PAGE = 500;

/** Written in the operators' chain when a tenant's data is purged (its own chain goes with it). */
export const PURGE_ACTION = 'tenant.purged';

/** The heads of every chain at one moment, which an operator keeps elsewhere to prove nothing was cut off. */
export interface AuditAnchor {
  time: string;
  chains: Record<string, ChainHead>;
}

export interface AuditInput {
  tenantId?: string | null;
  actor: Actor;
  action: string;
  target?: { type: string; id: string } | null;
  outcome?: 'success' | 'failure';
  reason?: string | null;
  origin?: RequestOrigin;
  details?: Record<string, unknown> | null;
}

const USER_AGENT_MAX = 512;

/** Append-only trail of who did what, when, from where. Mirrored to the log for shipping. */
export class AuditService {
  constructor(
    private readonly events: AuditRepository,
    private readonly logger: Logger,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async record(input: AuditInput): Promise<AuditEvent> {
    const draft: UnsealedEvent = {
      id: newId(),
      time: this.clock().toISOString(),
      tenantId: input.tenantId ?? null,
      actor: input.actor,
      action: input.action,
      target: input.target ?? null,
      outcome: input.outcome ?? 'success',
      reason: input.reason ?? null,
      ip: input.origin?.ip ?? null,
      userAgent: input.origin?.userAgent?.slice(0, USER_AGENT_MAX) ?? null,
      details: input.details ?? null,
    };
    const event = await this.events.append(draft, seal);
    // The log gets the headline only; details (old and new values) stay in the trail itself.
    const { details: _details, userAgent: _userAgent, ...headline } = event;
    this.logger.info({ audit: headline }, `audit ${event.action} ${event.outcome}`);
    return event;
  }

  list(query: AuditQuery): Promise<AuditEvent[]> {
    return this.events.list(query);
  }

  /** Every event matching the query, newest first, page by page (memory stays flat). */
  async *stream(query: Omit<AuditQuery, 'limit' | 'before'>, pageSize = CHAIN_PAGE): AsyncGenerator<AuditEvent> {
    for (let before: string | undefined; ;) {
      const page = await this.events.list({ ...query, limit: pageSize, before });
      yield* page;
      if (page.length < pageSize) return;
      before = page[page.length - 1]!.id;
    }
  }

  /** A tenant's chain (or the operators' for null) in chain order, page by page. */
  async *chainEvents(tenantId: string | null, pageSize = CHAIN_PAGE): AsyncGenerator<AuditEvent> {
    for (let after = 0; ;) {
      const page = await this.events.chain(chainOf(tenantId), after, pageSize);
      yield* page;
      if (page.length < pageSize) return;
      after = page[page.length - 1]!.seq;
    }
  }

  /**
   * Checks one chain from its first event: each hash against the event's content, each link
   * against the event before, the sequence without gaps; with an anchor, that its recorded head is
   * still there unchanged (a removed tail is otherwise invisible).
   */
  async verify(tenantId: string | null, anchor?: AuditAnchor): Promise<ChainReport> {
    const chain = chainOf(tenantId);
    const checker = new ChainChecker(anchor?.chains[chain]);
    let pending: AuditEvent | undefined;
    for await (const event of this.chainEvents(tenantId)) {
      if (pending && !checker.check(pending, event)) break;
      pending = event;
    }
    if (pending) checker.check(pending, undefined);
    checker.finish();
    return checker.report(chain);
  }

  /** Checks every chain there is (and every chain the anchor names, so a vanished chain is seen). */
  async verifyAll(anchor?: AuditAnchor): Promise<{ valid: boolean; chains: ChainReport[] }> {
    const heads = await this.events.heads();
    const keys = new Set([OPERATORS_CHAIN, ...Object.keys(heads), ...Object.keys(anchor?.chains ?? {})]);
    // A chain gone since the anchor is a truncation, unless the operators' chain records its tenant's purge.
    for await (const purge of this.stream({ action: PURGE_ACTION })) {
      if (purge.target && heads[purge.target.id] === undefined) keys.delete(purge.target.id);
    }
    const chains: ChainReport[] = [];
    for (const key of [...keys].sort()) chains.push(await this.verify(key === OPERATORS_CHAIN ? null : key, anchor));
    return { valid: chains.every((c) => c.valid), chains };
  }

  /** The head of every chain now, written to the log (and, by the caller, wherever the operator keeps it). */
  async anchor(): Promise<AuditAnchor> {
    const anchor = { time: this.clock().toISOString(), chains: await this.events.heads() };
    this.logger.info({ auditAnchor: anchor }, 'audit anchor');
    return anchor;
  }

  /** A purged tenant's chain goes with it; the purge itself is recorded in the operators' chain. */
  deleteChain(tenantId: string): Promise<number> {
    return this.events.deleteChain(chainOf(tenantId));
  }
}
