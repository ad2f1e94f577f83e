import type { Logger } from '../log/logger.js';
import type { AuditService } from '../audit/service.js';
import type { RequestOrigin } from '../audit/types.js';
import type { Locale } from '../i18n/messages.js';
import type { Mailer } from '../mail/types.js';
import { accountLockedMail } from '../mail/templates.js';
import type { TenantService } from '../tenants/service.js';
import type { Account } from './types.js';

/**
 * Records that an account was just locked and tells its owner by e-mail. The e-mail goes
 * out in the background: waiting for it would make the locking attempt slower than any
 * other failed attempt, which would tell a guesser that the account exists.
 */
export class LockNotifier {
  constructor(
    private readonly audit: AuditService,
    private readonly mailer: Mailer,
    private readonly tenants: Pick<TenantService, 'findById'>,
    private readonly logger: Logger,
  ) {}

  async accountLocked(account: Account, locale: Locale, origin: RequestOrigin): Promise<void> {
    await this.audit.record({
      tenantId: account.tenantId,
      actor: { type: 'system' },
      action: 'account.locked',
      target: { type: 'account', id: account.id },
      reason: account.lockedReason,
      origin,
      details: { failedAttempts: account.failedAttempts, lockedUntil: account.lockedUntil },
    });
    void this.sendNotice(account, locale, origin);
  }

  private async sendNotice(account: Account, locale: Locale, origin: RequestOrigin): Promise<void> {
    try {
      const tenant = await this.tenants.findById(account.tenantId);
      await this.mailer.send(accountLockedMail(locale, account.email, { tenantName: tenant?.name ?? '', lockedUntil: account.lockedUntil }));
    } catch (error) {
      this.logger.error({ err: error, accountId: account.id }, 'could not send the account-locked e-mail');
      await this.audit.record({
        tenantId: account.tenantId, actor: { type: 'system' }, action: 'mail.account_locked', outcome: 'failure',
        target: { type: 'account', id: account.id }, reason: 'delivery_failed', origin,
      }).catch(() => undefined);
    }
  }
}
