import type { Settings } from './config/settings.js';
import type { Logger } from './log/logger.js';
import type { Storage } from './storage/port.js';
import { AccountService } from './accounts/service.js';
import { PasswordHasher } from './accounts/password-hasher.js';
import { LockNotifier } from './accounts/lock-notifier.js';
import { AuditService } from './audit/service.js';
import { ClientService } from './clients/service.js';
import { TenantService } from './tenants/service.js';
import { openMailer } from './mail/open.js';
import type { Mailer } from './mail/types.js';
import { Throttle } from './throttle/throttle.js';

/** The domain services, wired to one store. Shared by the server and the CLI. */
export interface Services {
  tenants: TenantService;
  accounts: AccountService;
  clients: ClientService;
  audit: AuditService;
  mailer: Mailer;
  lockNotifier: LockNotifier;
  /** Password attempts per client IP address. */
  loginThrottle: Throttle;
}

type ServiceSettings = Pick<Settings, 'bcryptCost' | 'smtpUrl' | 'dataDir' | 'mailFrom' | 'loginRateLimit' | 'loginRateWindowSeconds'>;

export function createServices(storage: Storage, settings: ServiceSettings, logger: Logger, options: { mailer?: Mailer } = {}): Services {
  const tenants = new TenantService(storage.tenants, storage.accounts);
  const audit = new AuditService(storage.audit, logger);
  const mailer = options.mailer ?? openMailer(settings, logger);
  return {
    tenants,
    accounts: new AccountService({
      accounts: storage.accounts,
      hasher: new PasswordHasher(settings.bcryptCost),
      policyOf: (tenantId) => tenants.policyOf(tenantId),
      revokeSessions: (accountId) => storage.oidc.revokeByAccountId(accountId),
    }),
    clients: new ClientService(storage.clients, async (ref) => (await tenants.get(ref).catch(() => null))?.id ?? null),
    audit,
    mailer,
    lockNotifier: new LockNotifier(audit, mailer, tenants, logger),
    loginThrottle: new Throttle(storage.rateLimits, { limit: settings.loginRateLimit, windowSeconds: settings.loginRateWindowSeconds }),
  };
}
