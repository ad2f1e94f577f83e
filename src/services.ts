import type { Settings } from './config/settings.js';
import type { Logger } from './log/logger.js';
import type { Storage } from './storage/port.js';
import { AccountService } from './accounts/service.js';
import { PasswordHasher } from './accounts/password-hasher.js';
import { AuditService } from './audit/service.js';
import { ClientService } from './clients/service.js';
import { TenantService } from './tenants/service.js';

/** The domain services, wired to one store. Shared by the server and the CLI. */
export interface Services {
  tenants: TenantService;
  accounts: AccountService;
  clients: ClientService;
  audit: AuditService;
}

export function createServices(storage: Storage, settings: Pick<Settings, 'bcryptCost'>, logger: Logger): Services {
  const tenants = new TenantService(storage.tenants, storage.accounts);
  return {
    tenants,
    accounts: new AccountService(storage.accounts, new PasswordHasher(settings.bcryptCost)),
    clients: new ClientService(storage.clients, async (ref) => (await tenants.get(ref).catch(() => null))?.id ?? null),
    audit: new AuditService(storage.audit, logger),
  };
}
