import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openSqliteStorage } from '../../src/storage/sqlite/index.js';
import { TenantPurge, type TenantPurgeDeps } from '../../src/tenants/purge.js';
import type { Storage } from '../../src/storage/port.js';
import { aTenant, anAccount } from '../storage/contract.js';

describe('a purge interrupted halfway resumes at the next run', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'idp-purge-'));
  let storage: Storage;
  beforeAll(() => {
    storage = openSqliteStorage(path.join(dir, 'store.sqlite'));
  });
  afterAll(async () => {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a crash after some accounts leaves the tenant claimed; once the claim expires another run finishes and records it once', async () => {
    const tenant = aTenant({ state: 'scheduled_for_deletion', purgeAfter: '2026-01-01T00:00:00.000Z' });
    await storage.tenants.insert(tenant);
    for (let i = 0; i < 5; i += 1) await storage.accounts.insert(anAccount(tenant.id));
    let now = new Date('2026-02-01T00:00:00.000Z');
    let forgotten = 0;
    const recorded: string[] = [];
    const deps = (failAfter: number): TenantPurgeDeps => ({
      tenants: storage.tenants,
      accounts: storage.accounts,
      connections: storage.connections,
      clock: () => now,
      leaseMs: 60_000,
      async forgetAccount() {
        if (forgotten >= failAfter) throw new Error('the node died');
        forgotten += 1;
        return 0;
      },
      releaseClients: async () => 0,
      deleteAuditChain: async () => 0,
      async recordPurged(t) {
        recorded.push(t.id);
      },
    });
    await expect(new TenantPurge(deps(2)).purgeDue()).rejects.toThrow('the node died');
    expect(await storage.accounts.listByTenant(tenant.id, { limit: 10 })).toHaveLength(3);
    expect(await storage.tenants.findById(tenant.id)).not.toBeNull();
    // Another node within the claim: it leaves the tenant alone.
    expect(await new TenantPurge(deps(100)).purgeDue()).toEqual([]);
    now = new Date(now.getTime() + 61_000);
    const [result] = await new TenantPurge(deps(100)).purgeDue();
    expect(result).toMatchObject({ tenantId: tenant.id, counts: { accounts: 3 } });
    expect(await storage.accounts.listByTenant(tenant.id, { limit: 10 })).toEqual([]);
    expect(await storage.tenants.findById(tenant.id)).toBeNull();
    expect(recorded).toEqual([tenant.id]);
  });
});
