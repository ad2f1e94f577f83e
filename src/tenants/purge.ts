import type { Account } from '../accounts/types.js';
import type { AccountRepository } from '../accounts/repository.js';
import type { ConnectionRepository } from '../federation/repository.js';
import { TENANT_PURGE_LEASE_MS } from '../config/defaults.js';
import type { TenantRepository } from './repository.js';
import type { Tenant } from './types.js';

const PAGE = 200;

/** What a purge removed, by kind of record. */
export type PurgeCounts = Record<'accounts' | 'connections' | 'clients' | 'apis' | 'auditEvents' | 'outboxMessages', number>;

export interface TenantPurgeDeps {
  tenants: TenantRepository;
  accounts: Pick<AccountRepository, 'listByTenant' | 'delete'>;
  connections: Pick<ConnectionRepository, 'listByTenant' | 'delete'>;
  /**
   * Removes what other stores keep about one account: sessions, grants, codes and tokens;
   * registration and reset links; its rate-limit counters; its mail waiting in the outbox.
   * Returns how many outbox messages went.
   */
  forgetAccount(account: Account): Promise<number>;
  /** Removes the tenant from clients' tenant lists; a client limited to this tenant alone is deleted. */
  releaseClients(tenantId: string): Promise<number>;
  /** Removes the tenant's APIs (resource servers); returns how many. */
  deleteApis?(tenantId: string): Promise<number>;
  /** Removes the tenant's audit chain. */
  deleteAuditChain(tenantId: string): Promise<number>;
  /** Writes `tenant.purged` (tenant id, slug, counts) in the operators' chain. */
  recordPurged(tenant: Tenant, counts: PurgeCounts): Promise<void>;
  clock?: () => Date;
  leaseMs?: number;
}

export interface PurgeResult {
  tenantId: string;
  slug: string;
  counts: PurgeCounts;
}

/**
 * Removes every record of tenants whose grace period has passed. Any number of nodes may run it
 * at once: each tenant is claimed atomically in the database first, so one node purges it. Every
 * step is idempotent and the tenant record goes last, so a purge interrupted halfway (a crash, a
 * lost claim) is simply done again by the next run once its claim has expired.
 */
export class TenantPurge {
  private readonly clock: () => Date;
  private readonly leaseMs: number;

  constructor(private readonly deps: TenantPurgeDeps) {
    this.clock = deps.clock ?? (() => new Date());
    this.leaseMs = deps.leaseMs ?? TENANT_PURGE_LEASE_MS;
  }

  /** Purges every due tenant this node manages to claim. */
  async purgeDue(): Promise<PurgeResult[]> {
    const results: PurgeResult[] = [];
    const now = this.clock().toISOString();
    for (let after: string | undefined; ;) {
      const due = await this.deps.tenants.listDueForPurge(now, { limit: PAGE, after });
      for (const tenant of due) {
        const result = await this.purgeIfClaimed(tenant);
        if (result) results.push(result);
      }
      if (due.length < PAGE) return results;
      after = due[due.length - 1]!.id;
    }
  }

  /** Claims and purges one tenant; null when it is not due or another node holds it. */
  async purgeIfClaimed(tenant: Tenant): Promise<PurgeResult | null> {
    const now = this.clock();
    const claimed = await this.deps.tenants.claimPurge(tenant.id, now.toISOString(), new Date(now.getTime() + this.leaseMs).toISOString());
    return claimed ? this.purge(tenant) : null;
  }

  private async purge(tenant: Tenant): Promise<PurgeResult> {
    const counts: PurgeCounts = { accounts: 0, connections: 0, clients: 0, apis: 0, auditEvents: 0, outboxMessages: 0 };
    // Always the first page: each pass deletes what it read.
    for (;;) {
      const accounts = await this.deps.accounts.listByTenant(tenant.id, { limit: PAGE });
      for (const account of accounts) {
        counts.outboxMessages += await this.deps.forgetAccount(account);
        if (await this.deps.accounts.delete(account.id)) counts.accounts += 1;
      }
      if (accounts.length < PAGE) break;
    }
    for (const connection of await this.deps.connections.listByTenant(tenant.id)) {
      if (await this.deps.connections.delete(connection.id)) counts.connections += 1;
    }
    counts.clients = await this.deps.releaseClients(tenant.id);
    counts.apis = (await this.deps.deleteApis?.(tenant.id)) ?? 0;
    counts.auditEvents = await this.deps.deleteAuditChain(tenant.id);
    // Recorded before the record goes: a crash in between repeats the event rather than lose it.
    await this.deps.recordPurged(tenant, counts);
    await this.deps.tenants.delete(tenant.id);
    return { tenantId: tenant.id, slug: tenant.slug, counts };
  }
}
