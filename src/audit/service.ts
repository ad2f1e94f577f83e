import type { AuditRepository } from './repository.js';
import { newId } from '../ids.js';
import type { Logger } from '../log/logger.js';
import type { Actor, AuditEvent, AuditQuery, RequestOrigin } from './types.js';

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
    const event: AuditEvent = {
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
    await this.events.append(event);
    // The log gets the headline only; details (old and new values) stay in the trail itself.
    const { details: _details, userAgent: _userAgent, ...headline } = event;
    this.logger.info({ audit: headline }, `audit ${event.action} ${event.outcome}`);
    return event;
  }

  list(query: AuditQuery): Promise<AuditEvent[]> {
    return this.events.list(query);
  }
}
