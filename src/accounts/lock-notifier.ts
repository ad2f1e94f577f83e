import type { Logger } from '../log/logger.js';
import type { AuditService } from '../audit/service.js';
import type { RequestOrigin } from '../audit/types.js';
import type { Locale } from '../i18n/messages.js';
import type { MailService } from '../mail/service.js';
import { accountLockedMail } from '../mail/templates.js';
import { fromTenant, mailLocale } from '../mail/addressing.js';
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
    private readonly mail: MailService,
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
    void this.sendNotice(account, locale).catch((error: unknown) => this.logger.error({ err: error }, 'account-locked notice failed'));
  }

  private async sendNotice(account: Account, requestLocale: Locale): Promise<void> {
    const { email } = account;
    // An account without an e-mail address (e-ID only) has nowhere to be told.
    if (email === null) return;
    const tenant = await this.tenants.findById(account.tenantId);
    const message = accountLockedMail(mailLocale(account, tenant, requestLocale), email, {
      tenantName: tenant?.name ?? '',
      lockedUntil: account.lockedUntil,
    });
    await this.mail.deliver(fromTenant(message, tenant), { kind: 'account_locked', tenantId: account.tenantId, accountId: account.id });
  }
}
