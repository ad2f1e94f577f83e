import type { Locale } from '../i18n/messages.js';
import type { Logger } from '../log/logger.js';
import { fromTenant, mailLocale } from '../mail/addressing.js';
import type { MailService } from '../mail/service.js';
import { emailChangedMail, factorChangedMail, type FactorChange } from '../mail/templates.js';
import type { TenantService } from '../tenants/service.js';
import type { Account } from './types.js';

/** E-mails the owner about changes to their second factor; sent in the background. */
export class SecurityNotices {
  constructor(
    private readonly mail: MailService,
    private readonly tenants: Pick<TenantService, 'findById'>,
    private readonly logger: Logger,
  ) {}

  /** In the background: the answer to the request does not wait for the relay. */
  factorChanged(account: Account, change: FactorChange, requestLocale: Locale): void {
    this.sendFactorChanged(account, change, requestLocale).catch((error: unknown) =>
      this.logger.error({ err: error, change }, 'security notice failed'),
    );
  }

  /** Waits for delivery (the CLI, which exits when done). */
  async sendFactorChanged(account: Account, change: FactorChange, requestLocale: Locale): Promise<boolean> {
    const { email } = account;
    // An account without an e-mail address (e-ID only) has nowhere to be told.
    if (email === null) return false;
    const tenant = await this.tenants.findById(account.tenantId);
    const message = factorChangedMail(mailLocale(account, tenant, requestLocale), email, {
      tenantName: tenant?.name ?? '',
      change,
    });
    return this.mail.deliver(fromTenant(message, tenant), { kind: change, tenantId: account.tenantId, accountId: account.id });
  }

  /** Tells the old address that the account moved away from it; waits for delivery when asked (the CLI). */
  async emailChanged(before: Account, wait: boolean): Promise<void> {
    const { email } = before;
    // An e-ID account given its first address had no old one to tell.
    if (email === null) return;
    const sending = (async () => {
      const tenant = await this.tenants.findById(before.tenantId);
      const message = emailChangedMail(mailLocale(before, tenant, 'en'), email, { tenantName: tenant?.name ?? '' });
      await this.mail.deliver(fromTenant(message, tenant), { kind: 'email_changed', tenantId: before.tenantId, accountId: before.id });
    })();
    if (wait) return sending;
    sending.catch((error: unknown) => this.logger.error({ err: error }, 'security notice failed'));
  }
}
