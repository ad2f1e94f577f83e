import type { TenantRepository } from '../tenants/repository.js';
import type { AccountRepository } from '../accounts/repository.js';
import type { ClientRepository } from '../clients/repository.js';
import type { AuditRepository } from '../audit/repository.js';
import type { OidcPayloadRepository } from '../oidc/repository.js';
import type { OneTimeTokenRepository } from '../links/repository.js';
import type { ConnectionRepository } from '../federation/repository.js';
import type { RateLimitRepository } from '../throttle/repository.js';
import type { KeyDocumentRepository } from '../keys/repository.js';
import type { RoleRepository, SupportGrantRepository } from '../roles/repository.js';

/**
 * One store: every repository a capability declares, implemented by one adapter (SQLite or
 * MongoDB). Both adapters pass test/storage/contract.ts. Storage depends on the domain's
 * interfaces, never the reverse; src/services.ts wires each service to the repository it needs.
 */
export interface Storage {
  readonly kind: 'sqlite' | 'mongodb';
  readonly tenants: TenantRepository;
  readonly accounts: AccountRepository;
  readonly clients: ClientRepository;
  readonly audit: AuditRepository;
  readonly oidc: OidcPayloadRepository;
  readonly rateLimits: RateLimitRepository;
  readonly tokens: OneTimeTokenRepository;
  readonly connections: ConnectionRepository;
  /** Signing keys and secrets, sealed (src/keys). */
  readonly keys: KeyDocumentRepository;
  /** Administrator roles held by accounts, and support grants to staff (src/roles). */
  readonly roles: RoleRepository;
  readonly supportGrants: SupportGrantRepository;
  /** Resolves when the database answers; rejects otherwise. */
  ping(): Promise<void>;
  /** Writes one tiny record (readiness: proves that writes work, not only reads); rejects otherwise. */
  heartbeat(): Promise<void>;
  /**
   * Copies the whole store, consistently, to `destination` while it stays in use (SQLite's
   * online backup); the embedded store only: MongoDB is backed up with its own tools.
   */
  backup?(destination: string): Promise<{ pages: number }>;
  close(): Promise<void>;
}
