import type { AuditService } from '../audit/service.js';
import type { Logger } from '../log/logger.js';
import type { Mailer, MailMessage } from './types.js';

export interface Delivery {
  /** Stable name of the e-mail, for the audit trail (`mail.<kind>`). */
  kind: string;
  tenantId: string | null;
  accountId: string | null;
}

/** Waits between attempts: a relay that hiccups gets a second and a third chance. */
export const DEFAULT_RETRY_DELAYS_MS = [1_000, 5_000];

/**
 * Hands e-mail to the mailer, retrying with backoff, and records the outcome in the audit
 * trail either way, so no message is lost silently.
 */
export class MailService {
  constructor(
    private readonly mailer: Mailer,
    private readonly audit: AuditService,
    private readonly logger: Logger,
    private readonly retryDelaysMs: number[] = DEFAULT_RETRY_DELAYS_MS,
  ) {}

  async deliver(message: MailMessage, delivery: Delivery): Promise<boolean> {
    const record = (outcome: 'success' | 'failure', reason: string | null, attempts: number) =>
      this.audit.record({
        tenantId: delivery.tenantId,
        actor: { type: 'system' },
        action: `mail.${delivery.kind}`,
        outcome,
        reason,
        target: delivery.accountId ? { type: 'account', id: delivery.accountId } : null,
        details: { attempts },
      });
    for (let attempt = 0; ; attempt += 1) {
      try {
        await this.mailer.send(message);
        await record('success', null, attempt + 1);
        return true;
      } catch (error) {
        const delay = this.retryDelaysMs[attempt];
        this.logger.warn({ err: error, kind: delivery.kind, attempt: attempt + 1 }, 'e-mail delivery failed');
        if (delay === undefined) {
          this.logger.error({ kind: delivery.kind, accountId: delivery.accountId }, 'e-mail not delivered after every retry');
          await record('failure', 'delivery_failed', attempt + 1);
          return false;
        }
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }
}
