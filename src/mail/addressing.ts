import type { Account } from '../accounts/types.js';
import type { Locale } from '../i18n/messages.js';
import type { Tenant } from '../tenants/types.js';
import type { MailMessage } from './types.js';

/** The person's language, then the tenant's, then the one the request came in. */
export function mailLocale(account: Pick<Account, 'locale'>, tenant: Pick<Tenant, 'locale'> | null, requestLocale: Locale): Locale {
  return account.locale ?? tenant?.locale ?? requestLocale;
}

/** The tenant's own sender and reply-to, where it has them. */
export function fromTenant(message: MailMessage, tenant: Pick<Tenant, 'mail'> | null): MailMessage {
  return {
    ...message,
    ...(tenant?.mail.from ? { from: tenant.mail.from } : {}),
    ...(tenant?.mail.replyTo ? { replyTo: tenant.mail.replyTo } : {}),
  };
}
