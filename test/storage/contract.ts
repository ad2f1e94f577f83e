import type { Storage } from '../../src/storage/port.js';
import { ConflictError } from '../../src/errors.js';
import { newId } from '../../src/ids.js';
import type { Tenant } from '../../src/tenants/types.js';
import type { Account } from '../../src/accounts/types.js';
import { withClientDefaults, type Client } from '../../src/clients/types.js';
import { GENESIS_HASH, hashOf, seal, type UnsealedEvent } from '../../src/audit/chain.js';
import { DEFAULT_TENANT_POLICY } from '../../src/policy/defaults.js';
import type { OneTimeToken } from '../../src/links/types.js';
import type { Connection } from '../../src/federation/types.js';
import { afterFailedAttempt } from '../../src/accounts/lockout.js';
import type { Api } from '../../src/apis/types.js';
import type { RoleAssignment, SupportGrant } from '../../src/roles/types.js';

const now = () => new Date().toISOString();

export function anApi(overrides: Partial<Api> = {}): Api {
  const id = newId();
  return {
    id,
    identifier: `https://api-${id.slice(-12)}.example`,
    name: 'Orders',
    tenantId: null,
    scopes: ['orders:read', 'orders:write'],
    tokenFormat: 'jwt',
    tokenTtlSeconds: 3600,
    createdAt: now(),
    updatedAt: now(),
    ...overrides,
  };
}

export function aTenant(overrides: Partial<Tenant> = {}): Tenant {
  const id = newId();
  return {
    id,
    slug: `t-${id.slice(-12)}`,
    name: 'Tenant',
    domains: [],
    state: 'active',
    policy: DEFAULT_TENANT_POLICY,
    locale: null,
    mail: { from: null, replyTo: null },
    links: { registrationHours: 72, resetMinutes: 60 },
    passwordsAllowed: true,
    purgeAfter: null,
    purgeLeaseUntil: null,
    createdAt: now(),
    updatedAt: now(),
    ...overrides,
  };
}

export function anAccount(tenantId: string, overrides: Partial<Account> = {}): Account {
  const id = newId();
  const email = overrides.email === undefined ? `user-${id.slice(-12)}@example.com` : overrides.email;
  return {
    id,
    tenantId,
    email,
    emailNormalized: email === null ? null : email.toLowerCase(),
    personalNumber: null,
    name: null,
    staff: false,
    passwordHash: null,
    passwordHistory: [],
    passwordChangedAt: null,
    state: 'active',
    lockedReason: null,
    lockedAt: null,
    lockedUntil: null,
    failedAttempts: 0,
    lastLoginAt: null,
    totp: null,
    recoveryCodeHashes: [],
    locale: null,
    identities: [],
    createdAt: now(),
    updatedAt: now(),
    ...overrides,
  };
}

/** A client as registered now: the fields of the first release, every later one at its default. */
export function aClient(overrides: Partial<Client> = {}): Client {
  return withClientDefaults({
    id: newId(),
    name: 'App',
    secretHash: null,
    tokenEndpointAuthMethod: 'none',
    redirectUris: ['https://app.example/cb'],
    postLogoutRedirectUris: [],
    tenantIds: [],
    admin: false,
    firstParty: false,
    createdAt: now(),
    updatedAt: now(),
    ...overrides,
  });
}

function anEvent(overrides: Partial<UnsealedEvent> = {}): UnsealedEvent {
  return {
    id: newId(),
    time: now(),
    tenantId: null,
    actor: { type: 'system' },
    action: 'test.event',
    target: null,
    outcome: 'success',
    reason: null,
    ip: null,
    userAgent: null,
    details: null,
    ...overrides,
  };
}

/**
 * The behaviour every storage adapter must show. Run by test/storage/*.test.ts
 * against each adapter; `open` returns a fresh, empty store.
 */
export function storageContract(open: () => Promise<Storage>): void {
  let storage: Storage;
  beforeEach(async () => {
    storage = await open();
  });
  afterEach(async () => {
    await storage.close();
  });

  test('ping answers', async () => {
    await expect(storage.ping()).resolves.toBeUndefined();
  });

  test('heartbeat writes, again and again', async () => {
    await expect(storage.heartbeat()).resolves.toBeUndefined();
    await expect(storage.heartbeat()).resolves.toBeUndefined();
  });

  describe('tenants', () => {
    test('insert, find by id, slug and domain', async () => {
      const tenant = aTenant({ domains: ['acme.example', 'acme.test'] });
      await storage.tenants.insert(tenant);
      expect(await storage.tenants.findById(tenant.id)).toEqual(tenant);
      expect(await storage.tenants.findBySlug(tenant.slug)).toEqual(tenant);
      expect(await storage.tenants.findByDomain('acme.test')).toEqual([tenant]);
      expect(await storage.tenants.findByDomain('other.example')).toEqual([]);
      expect(await storage.tenants.findBySlug('missing')).toBeNull();
    });

    test('a taken slug is a conflict and stores nothing', async () => {
      const first = aTenant({ slug: 'same' });
      await storage.tenants.insert(first);
      const second = aTenant({ slug: 'same' });
      await expect(storage.tenants.insert(second)).rejects.toBeInstanceOf(ConflictError);
      expect(await storage.tenants.findById(second.id)).toBeNull();
    });

    test('replace changes domains; delete removes', async () => {
      const tenant = aTenant({ domains: ['old.example'] });
      await storage.tenants.insert(tenant);
      const changed = { ...tenant, name: 'New', domains: ['new.example'] };
      expect(await storage.tenants.replace(changed, 'active')).toBe(true);
      expect(await storage.tenants.findByDomain('old.example')).toEqual([]);
      expect(await storage.tenants.findByDomain('new.example')).toEqual([changed]);
      expect(await storage.tenants.replace(aTenant(), 'active')).toBe(false);
      const scheduled = { ...changed, state: 'scheduled_for_deletion' as const };
      expect(await storage.tenants.replace(scheduled, 'active')).toBe(true);
      // A change read while the tenant was active cannot undo the deletion scheduled meanwhile.
      expect(await storage.tenants.replace({ ...changed, name: 'Late' }, 'active')).toBe(false);
      expect(await storage.tenants.findById(tenant.id)).toEqual(scheduled);
      expect(await storage.tenants.delete(tenant.id)).toBe(true);
      expect(await storage.tenants.delete(tenant.id)).toBe(false);
      expect(await storage.tenants.findByDomain('new.example')).toEqual([]);
    });

    test('list pages in id order', async () => {
      const tenants = [aTenant(), aTenant(), aTenant()].sort((a, b) => a.id.localeCompare(b.id));
      for (const t of tenants) await storage.tenants.insert(t);
      const first = await storage.tenants.list({ limit: 2 });
      expect(first.map((t) => t.id)).toEqual(tenants.slice(0, 2).map((t) => t.id));
      const rest = await storage.tenants.list({ limit: 2, after: first[1]!.id });
      expect(rest.map((t) => t.id)).toEqual([tenants[2]!.id]);
    });
  });

  describe('tenant purge claims', () => {
    const due = () => aTenant({ state: 'scheduled_for_deletion', purgeAfter: '2026-01-01T00:00:00.000Z' });

    test('only scheduled tenants whose date has passed are due; of parallel claims exactly one wins; an expired claim is taken over', async () => {
      const tenant = due();
      const later = aTenant({ state: 'scheduled_for_deletion', purgeAfter: '2027-01-01T00:00:00.000Z' });
      const active = aTenant();
      for (const t of [tenant, later, active]) await storage.tenants.insert(t);
      const now = '2026-06-01T00:00:00.000Z';
      expect((await storage.tenants.listDueForPurge(now, { limit: 10 })).map((t) => t.id)).toEqual([tenant.id]);
      const claims = await Promise.all(
        Array.from({ length: 8 }, () => storage.tenants.claimPurge(tenant.id, now, '2026-06-01T00:10:00.000Z')),
      );
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect(await storage.tenants.claimPurge(later.id, now, '2026-06-01T00:10:00.000Z')).toBe(false);
      expect(await storage.tenants.claimPurge(active.id, now, '2026-06-01T00:10:00.000Z')).toBe(false);
      // While claimed, a restore is refused; after the claim expires another node may take over.
      expect(await storage.tenants.cancelDeletion(tenant.id, '2026-06-01T00:05:00.000Z')).toBe(false);
      expect(await storage.tenants.claimPurge(tenant.id, '2026-06-01T00:05:00.000Z', '2026-06-01T00:15:00.000Z')).toBe(false);
      expect(await storage.tenants.claimPurge(tenant.id, '2026-06-01T00:11:00.000Z', '2026-06-01T00:21:00.000Z')).toBe(true);
      expect((await storage.tenants.findById(tenant.id))!.purgeLeaseUntil).toBe('2026-06-01T00:21:00.000Z');
    });

    test('a scheduled deletion is cancelled once; an active tenant has nothing to cancel', async () => {
      const tenant = due();
      await storage.tenants.insert(tenant);
      expect(await storage.tenants.cancelDeletion(tenant.id, '2026-06-01T00:00:00.000Z')).toBe(true);
      expect(await storage.tenants.findById(tenant.id)).toMatchObject({
        state: 'active',
        purgeAfter: null,
        purgeLeaseUntil: null,
        updatedAt: '2026-06-01T00:00:00.000Z',
      });
      expect(await storage.tenants.cancelDeletion(tenant.id, '2026-06-01T00:00:00.000Z')).toBe(false);
    });
  });

  describe('rate limits of purged accounts', () => {
    test('deleteKeys removes every window of those keys and only those', async () => {
      await storage.rateLimits.hit('reset:a1', 60_000, 120_000);
      await storage.rateLimits.hit('reset:a1', 120_000, 180_000);
      await storage.rateLimits.hit('reset:a10', 60_000, 120_000);
      expect(await storage.rateLimits.deleteKeys(['reset:a1'])).toBe(2);
      expect(await storage.rateLimits.hit('reset:a1', 60_000, 120_000)).toBe(1);
      expect(await storage.rateLimits.hit('reset:a10', 60_000, 120_000)).toBe(2);
    });
  });

  describe('accounts', () => {
    test('e-mail is unique per tenant but may repeat across tenants', async () => {
      const a = aTenant();
      const b = aTenant();
      const one = anAccount(a.id, { email: 'Ann@Example.com' });
      await storage.accounts.insert(one);
      await expect(storage.accounts.insert(anAccount(a.id, { email: 'ann@example.com' }))).rejects.toBeInstanceOf(ConflictError);
      const other = anAccount(b.id, { email: 'ann@example.com' });
      await storage.accounts.insert(other);
      expect(await storage.accounts.findByEmail(a.id, 'ann@example.com')).toEqual(one);
      expect((await storage.accounts.findAllByEmail('ann@example.com')).map((x) => x.id).sort()).toEqual([one.id, other.id].sort());
    });

    test('accounts inserted at the same moment: a duplicate among them is refused alone, the others are kept', async () => {
      const a = aTenant();
      const accounts = Array.from({ length: 6 }, (_, i) => anAccount(a.id, { email: `batch-${i}@example.com` }));
      const duplicate = anAccount(a.id, { email: 'batch-2@example.com' });
      const outcomes = await Promise.allSettled([...accounts, duplicate].map((account) => storage.accounts.insert(account)));
      expect(outcomes.map((o) => o.status)).toEqual([...accounts.map(() => 'fulfilled'), 'rejected']);
      expect((outcomes.at(-1) as PromiseRejectedResult).reason).toBeInstanceOf(ConflictError);
      for (const account of accounts) expect(await storage.accounts.findById(account.id)).toEqual(account);
      expect(await storage.accounts.findById(duplicate.id)).toBeNull();
    });

    test('update refuses an e-mail taken in the tenant and leaves the record as it was', async () => {
      const t = aTenant();
      const one = anAccount(t.id);
      const two = anAccount(t.id);
      await storage.accounts.insert(one);
      await storage.accounts.insert(two);
      await expect(
        storage.accounts.update(two.id, (a) => ({ ...a, email: one.email, emailNormalized: one.emailNormalized })),
      ).rejects.toBeInstanceOf(ConflictError);
      expect(await storage.accounts.findById(two.id)).toEqual(two);
    });

    test('accounts without an e-mail address: several in one tenant, none found by e-mail, one given an address later', async () => {
      const t = aTenant();
      const one = anAccount(t.id, { email: null });
      const two = anAccount(t.id, { email: null });
      await storage.accounts.insert(one);
      await storage.accounts.insert(two);
      expect(await storage.accounts.findById(one.id)).toEqual(one);
      expect((await storage.accounts.listByTenant(t.id, { limit: 10 })).map((a) => a.id).sort()).toEqual([one.id, two.id].sort());
      expect(await storage.accounts.findAllByEmail('')).toEqual([]);
      const taken = anAccount(t.id, { email: 'eva@example.com' });
      await storage.accounts.insert(taken);
      await expect(
        storage.accounts.update(one.id, (a) => ({ ...a, email: 'Eva@example.com', emailNormalized: 'eva@example.com' })),
      ).rejects.toBeInstanceOf(ConflictError);
      await storage.accounts.update(one.id, (a) => ({ ...a, email: 'Ann@example.com', emailNormalized: 'ann@example.com' }));
      expect((await storage.accounts.findByEmail(t.id, 'ann@example.com'))!.id).toBe(one.id);
      await storage.accounts.update(taken.id, (a) => ({ ...a, email: null, emailNormalized: null }));
      expect(await storage.accounts.findByEmail(t.id, 'eva@example.com')).toBeNull();
    });

    test('a personnummer hash finds its account in its tenant only, and is unique per tenant, also between parallel writers', async () => {
      const a = aTenant();
      const b = aTenant();
      const pnr = (hash: string) => ({ hash, sealed: `v1.k.${hash}` });
      const one = anAccount(a.id, { email: null, personalNumber: pnr('h1') });
      await storage.accounts.insert(one);
      expect(await storage.accounts.findByPersonalNumber(a.id, 'h1')).toEqual(one);
      expect(await storage.accounts.findByPersonalNumber(b.id, 'h1')).toBeNull();
      expect(await storage.accounts.findByPersonalNumber(a.id, 'h2')).toBeNull();
      // The same hash in another tenant is another record (the hash includes the tenant anyway).
      const elsewhere = anAccount(b.id, { personalNumber: pnr('h1') });
      await storage.accounts.insert(elsewhere);
      expect((await storage.accounts.findByPersonalNumber(b.id, 'h1'))!.id).toBe(elsewhere.id);
      await expect(storage.accounts.insert(anAccount(a.id, { personalNumber: pnr('h1') }))).rejects.toBeInstanceOf(ConflictError);
      const two = anAccount(a.id);
      await storage.accounts.insert(two);
      await expect(storage.accounts.update(two.id, (x) => ({ ...x, personalNumber: pnr('h1') }))).rejects.toBeInstanceOf(ConflictError);
      expect(await storage.accounts.findById(two.id)).toEqual(two);
      // Removed, the number is free for another account; many accounts have none.
      await storage.accounts.update(one.id, (x) => ({ ...x, personalNumber: null }));
      expect(await storage.accounts.findByPersonalNumber(a.id, 'h1')).toBeNull();
      const contenders = await Promise.all(
        Array.from({ length: 5 }, () => anAccount(a.id)).map(async (c) => {
          await storage.accounts.insert(c);
          return storage.accounts
            .update(c.id, (x) => ({ ...x, personalNumber: pnr('h3') }))
            .then(
              () => 'won',
              (error: unknown) => (error instanceof ConflictError ? 'lost' : 'error'),
            );
        }),
      );
      expect(contenders.filter((r) => r === 'won')).toHaveLength(1);
      expect(contenders.filter((r) => r === 'lost')).toHaveLength(4);
      expect(await storage.accounts.findByPersonalNumber(a.id, 'h3')).not.toBeNull();
    });

    test('update returns before and after; a declined change or a missing record writes nothing', async () => {
      const account = anAccount(newId(), { name: 'Ann' });
      await storage.accounts.insert(account);
      const result = await storage.accounts.update(account.id, (a) => ({ ...a, lastLoginAt: '2026-01-02T03:04:05.000Z' }));
      expect(result).toEqual({ before: account, after: { ...account, lastLoginAt: '2026-01-02T03:04:05.000Z' } });
      expect(await storage.accounts.findById(account.id)).toEqual(result!.after);
      expect(await storage.accounts.update(account.id, () => null)).toBeNull();
      expect(await storage.accounts.update(newId(), (a) => a)).toBeNull();
      expect(await storage.accounts.findById(account.id)).toEqual(result!.after);
    });

    test('50 parallel failed attempts lock the account with exactly the configured count', async () => {
      const account = anAccount(newId());
      await storage.accounts.insert(account);
      const policy = { ...DEFAULT_TENANT_POLICY.lockout, maxFailedAttempts: 5 };
      const results = await Promise.all(
        Array.from({ length: 50 }, () => storage.accounts.update(account.id, (current) => afterFailedAttempt(current, policy, new Date()))),
      );
      expect(results.filter((r) => r !== null)).toHaveLength(5);
      expect(results.filter((r) => r?.before.state === 'active' && r.after.state === 'locked')).toHaveLength(1);
      const stored = await storage.accounts.findById(account.id);
      expect(stored).toMatchObject({ state: 'locked', failedAttempts: 5, lockedReason: 'too_many_failed_attempts' });
    });

    test('a linked identity finds its account, and cannot be linked to a second account', async () => {
      const one = anAccount(newId(), { identities: [{ connectionId: 'c1', subject: 'tid-1:oid-1', linkedAt: now() }] });
      const two = anAccount(newId());
      await storage.accounts.insert(one);
      await storage.accounts.insert(two);
      expect(await storage.accounts.findByIdentity('c1', 'tid-1:oid-1')).toEqual(one);
      expect(await storage.accounts.findByIdentity('c2', 'tid-1:oid-1')).toBeNull();
      await expect(
        storage.accounts.update(two.id, (a) => ({ ...a, identities: [{ connectionId: 'c1', subject: 'tid-1:oid-1', linkedAt: now() }] })),
      ).rejects.toBeInstanceOf(ConflictError);
      expect(await storage.accounts.findById(two.id)).toEqual(two);
      await storage.accounts.update(one.id, (a) => ({ ...a, identities: [] }));
      expect(await storage.accounts.findByIdentity('c1', 'tid-1:oid-1')).toBeNull();
      await storage.accounts.update(two.id, (a) => ({
        ...a,
        identities: [{ connectionId: 'c1', subject: 'tid-1:oid-1', linkedAt: now() }],
      }));
      expect((await storage.accounts.findByIdentity('c1', 'tid-1:oid-1'))!.id).toBe(two.id);
    });

    test('unlinking a connection removes only its links, from every account', async () => {
      const at = now();
      const one = anAccount(newId(), {
        identities: [
          { connectionId: 'gone', subject: 's1', linkedAt: at },
          { connectionId: 'kept', subject: 's1', linkedAt: at },
        ],
      });
      const two = anAccount(newId(), { identities: [{ connectionId: 'gone', subject: 's2', linkedAt: at }] });
      await storage.accounts.insert(one);
      await storage.accounts.insert(two);
      expect(await storage.accounts.unlinkConnection('gone')).toBe(2);
      expect((await storage.accounts.findById(one.id))!.identities).toEqual([{ connectionId: 'kept', subject: 's1', linkedAt: at }]);
      expect((await storage.accounts.findById(two.id))!.identities).toEqual([]);
      expect(await storage.accounts.findByIdentity('gone', 's1')).toBeNull();
      expect((await storage.accounts.findByIdentity('kept', 's1'))!.id).toBe(one.id);
    });

    test('records written before new fields existed read with their defaults', async () => {
      const {
        staff: _s,
        passwordHistory: _h,
        passwordChangedAt: _c,
        lockedUntil: _l,
        totp: _t,
        recoveryCodeHashes: _r,
        locale: _x,
        identities: _i,
        ...legacy
      } = anAccount(newId());
      await storage.accounts.insert(legacy as never);
      expect(await storage.accounts.findById(legacy.id)).toMatchObject({
        staff: false,
        passwordHistory: [],
        lockedUntil: null,
        totp: null,
        recoveryCodeHashes: [],
        locale: null,
        identities: [],
      });
    });

    test('list by tenant pages; delete and delete by tenant', async () => {
      const t = aTenant();
      const accounts = [anAccount(t.id), anAccount(t.id), anAccount(t.id)].sort((a, b) => a.id.localeCompare(b.id));
      for (const a of accounts) await storage.accounts.insert(a);
      await storage.accounts.insert(anAccount(newId()));
      const page = await storage.accounts.listByTenant(t.id, { limit: 2, after: accounts[0]!.id });
      expect(page.map((a) => a.id)).toEqual([accounts[1]!.id, accounts[2]!.id]);
      expect(await storage.accounts.delete(accounts[0]!.id)).toBe(true);
      expect(await storage.accounts.deleteByTenant(t.id)).toBe(2);
      expect(await storage.accounts.listByTenant(t.id, { limit: 10 })).toEqual([]);
    });
  });

  describe('account search', () => {
    test('finds by e-mail prefix or a prefix of the name or any word of it, any case; filters by state and 2FA; pages by id', async () => {
      const t = aTenant();
      const other = aTenant();
      const totp = { sealedSecret: 'v1.x', lastUsedStep: 0, enabledAt: now() };
      const people = [
        anAccount(t.id, { email: 'ann@acme.example', name: 'Ann Andersson' }),
        anAccount(t.id, { email: 'anneli@acme.example', name: 'Anneli Berg', state: 'locked', totp }),
        anAccount(t.id, { email: 'bo@acme.example', name: 'Bo Annerstedt', state: 'invited' }),
        anAccount(t.id, { email: 'carl@acme.example', name: null, state: 'disabled', totp }),
      ].sort((a, b) => a.id.localeCompare(b.id));
      for (const a of people) await storage.accounts.insert(a);
      await storage.accounts.insert(anAccount(other.id, { email: 'ann@other.example', name: 'Ann Other' }));
      const emails = async (search: Parameters<Storage['accounts']['search']>[1]) =>
        (await storage.accounts.search(t.id, search)).map((a) => a.email).sort();
      expect(await emails({ q: 'ann', limit: 10 })).toEqual(['ann@acme.example', 'anneli@acme.example', 'bo@acme.example']);
      expect(await emails({ q: 'ANNELI@', limit: 10 })).toEqual(['anneli@acme.example']);
      expect(await emails({ q: 'anders', limit: 10 })).toEqual(['ann@acme.example']);
      expect(await emails({ q: 'ann andersson', limit: 10 })).toEqual(['ann@acme.example']);
      expect(await emails({ q: 'nders', limit: 10 })).toEqual([]);
      expect(await emails({ q: '%', limit: 10 })).toEqual([]);
      expect(await emails({ q: '.*', limit: 10 })).toEqual([]);
      expect(await emails({ state: 'locked', limit: 10 })).toEqual(['anneli@acme.example']);
      expect(await emails({ mfa: true, limit: 10 })).toEqual(['anneli@acme.example', 'carl@acme.example']);
      expect(await emails({ mfa: false, q: 'an', limit: 10 })).toEqual(['ann@acme.example', 'bo@acme.example']);
      expect(await emails({ limit: 10 })).toHaveLength(4);
      const first = await storage.accounts.search(t.id, { q: 'ann', limit: 2 });
      const rest = await storage.accounts.search(t.id, { q: 'ann', limit: 2, after: first[1]!.id });
      expect([...first, ...rest].map((a) => a.id)).toEqual(people.filter((a) => a.email !== 'carl@acme.example').map((a) => a.id));
    });

    test('a changed name or e-mail is found by the new one only', async () => {
      const t = aTenant();
      const account = anAccount(t.id, { email: 'old@acme.example', name: 'Old Name' });
      await storage.accounts.insert(account);
      await storage.accounts.update(account.id, (a) => ({
        ...a,
        email: 'new@acme.example',
        emailNormalized: 'new@acme.example',
        name: 'Fresh Name',
      }));
      expect(await storage.accounts.search(t.id, { q: 'old', limit: 10 })).toEqual([]);
      expect((await storage.accounts.search(t.id, { q: 'fresh', limit: 10 })).map((a) => a.id)).toEqual([account.id]);
      expect((await storage.accounts.search(t.id, { q: 'new@', limit: 10 })).map((a) => a.id)).toEqual([account.id]);
      await storage.accounts.delete(account.id);
      expect(await storage.accounts.search(t.id, { q: 'fresh', limit: 10 })).toEqual([]);
    });
  });

  describe('roles', () => {
    const assignment = (accountId: string, role: RoleAssignment['role'], tenantId: string | null): RoleAssignment => ({
      accountId,
      role,
      tenantId,
      grantedAt: now(),
    });

    test("an account's set is replaced whole; listed by account and by tenant; removed by account and by tenant", async () => {
      const [a, b, t1, t2] = [newId(), newId(), newId(), newId()];
      await storage.roles.replaceForAccount(a, [assignment(a, 'super-admin', null), assignment(a, 'tenant-admin', t1)]);
      await storage.roles.replaceForAccount(b, [assignment(b, 'helpdesk', t1), assignment(b, 'tenant-admin', t2)]);
      expect((await storage.roles.listByAccount(a)).map((r) => [r.role, r.tenantId])).toEqual([
        ['super-admin', null],
        ['tenant-admin', t1],
      ]);
      expect((await storage.roles.listByTenant(t1)).map((r) => [r.accountId, r.role]).sort()).toEqual(
        [
          [a, 'tenant-admin'],
          [b, 'helpdesk'],
        ].sort(),
      );
      await storage.roles.replaceForAccount(a, [assignment(a, 'auditor', null)]);
      expect((await storage.roles.listByAccount(a)).map((r) => r.role)).toEqual(['auditor']);
      expect(await storage.roles.deleteByTenant(t1)).toBe(1);
      expect((await storage.roles.listByAccount(b)).map((r) => [r.role, r.tenantId])).toEqual([['tenant-admin', t2]]);
      expect(await storage.roles.deleteByAccount(b)).toBe(1);
      expect(await storage.roles.listByAccount(b)).toEqual([]);
      await storage.roles.replaceForAccount(a, []);
      expect(await storage.roles.listByAccount(a)).toEqual([]);
    });
  });

  describe('support grants', () => {
    const aGrant = (overrides: Partial<SupportGrant> = {}): SupportGrant => ({
      id: newId(),
      tenantId: 't1',
      staffAccountId: 's1',
      reason: 'case',
      caseReference: 'C-1',
      createdAt: now(),
      createdBy: 'admin_client:c1',
      expiresAt: new Date(Date.now() + 3600_000).toISOString(),
      endedAt: null,
      endedBy: null,
      ...overrides,
    });

    test('live grants are those neither ended nor expired; listed newest first by tenant', async () => {
      const live = aGrant();
      const expired = aGrant({ expiresAt: new Date(Date.now() - 1000).toISOString() });
      const elsewhere = aGrant({ tenantId: 't2', staffAccountId: 's2' });
      for (const g of [live, expired, elsewhere]) await storage.supportGrants.insert(g);
      expect(await storage.supportGrants.findById(live.id)).toEqual(live);
      expect((await storage.supportGrants.listLiveForAccount('s1', now())).map((g) => g.id)).toEqual([live.id]);
      expect((await storage.supportGrants.listByTenant('t1')).map((g) => g.id)).toEqual([expired.id, live.id].sort().reverse());
      expect(await storage.supportGrants.end(expired.id, now(), 'x')).toBeNull();
      expect(await storage.supportGrants.deleteByTenant('t2')).toBe(1);
      expect(await storage.supportGrants.findById(elsewhere.id)).toBeNull();
    });

    test('of parallel ends exactly one wins; an ended grant is no longer live', async () => {
      const grant = aGrant();
      await storage.supportGrants.insert(grant);
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => storage.supportGrants.end(grant.id, now(), `by-${i}`)));
      const winners = results.filter((r) => r !== null);
      expect(winners).toHaveLength(1);
      expect(winners[0]).toMatchObject({ id: grant.id, endedAt: expect.any(String) });
      expect(await storage.supportGrants.findById(grant.id)).toMatchObject({ endedBy: winners[0]!.endedBy });
      expect(await storage.supportGrants.listLiveForAccount('s1', now())).toEqual([]);
    });
  });

  describe('connections', () => {
    test('insert, find, list by tenant, replace, delete', async () => {
      const connection: Connection = {
        id: newId(),
        tenantId: 't1',
        kind: 'google',
        name: 'Google',
        issuer: 'https://accounts.google.com',
        clientId: 'cid',
        sealedClientSecret: 'v1.k.iv.ct',
        scopes: ['openid', 'email'],
        claims: { email: 'email', name: 'name' },
        firstSignIn: 'link',
        allowedEntraTenants: [],
        allowedGoogleDomains: ['acme.example'],
        trustUpstreamMfa: false,
        enabled: true,
        createdAt: now(),
        updatedAt: now(),
      };
      await storage.connections.insert(connection);
      await storage.connections.insert({ ...connection, id: newId(), tenantId: 't2' });
      expect(await storage.connections.findById(connection.id)).toEqual(connection);
      expect(await storage.connections.listByTenant('t1')).toEqual([connection]);
      expect(await storage.connections.replace({ ...connection, enabled: false })).toBe(true);
      expect((await storage.connections.findById(connection.id))!.enabled).toBe(false);
      expect(await storage.connections.delete(connection.id)).toBe(true);
      expect(await storage.connections.listByTenant('t1')).toEqual([]);
    });
  });

  describe('clients', () => {
    test('insert, find, replace, list, delete', async () => {
      const client = aClient();
      await storage.clients.insert(client);
      await expect(storage.clients.insert(client)).rejects.toBeInstanceOf(ConflictError);
      expect(await storage.clients.findById(client.id)).toEqual(client);
      const renamed = { ...client, name: 'Renamed' };
      expect(await storage.clients.replace(renamed)).toBe(true);
      expect(await storage.clients.list({ limit: 10 })).toEqual([renamed]);
      expect(await storage.clients.delete(client.id)).toBe(true);
      expect(await storage.clients.findById(client.id)).toBeNull();
    });

    test('the revision moves with every insert, replace and delete (or is null: nothing may be kept)', async () => {
      const first = storage.clients.revision();
      if (first === null) {
        await storage.clients.insert(aClient());
        expect(storage.clients.revision()).toBeNull();
        return;
      }
      const client = aClient();
      const seen = [first];
      await storage.clients.insert(client);
      seen.push(storage.clients.revision()!);
      await storage.clients.replace({ ...client, name: 'Renamed' });
      seen.push(storage.clients.revision()!);
      await storage.clients.delete(client.id);
      seen.push(storage.clients.revision()!);
      expect(new Set(seen).size).toBe(4);
      // A refused write changes nothing, and so moves nothing.
      const kept = aClient();
      await storage.clients.insert(kept);
      const settled = storage.clients.revision();
      await expect(storage.clients.insert(kept)).rejects.toBeInstanceOf(ConflictError);
      expect(await storage.clients.replace(aClient())).toBe(false);
      expect(storage.clients.revision()).toBe(settled);
    });

    test('a client stored before the OAuth settings existed reads back with their defaults', async () => {
      const {
        sealedSecret: _s,
        jwks: _j,
        jwksUri: _u,
        service: _v,
        apiGrants: _g,
        introspects: _i,
        requirePushedAuthorizationRequests: _p,
        dpopBoundAccessTokens: _d,
        subjectType: _t,
        ...older
      } = aClient();
      await storage.clients.insert(older as Client);
      expect(await storage.clients.findById(older.id)).toMatchObject({
        sealedSecret: null,
        jwks: null,
        jwksUri: null,
        service: false,
        apiGrants: [],
        introspects: [],
        requirePushedAuthorizationRequests: false,
        dpopBoundAccessTokens: false,
        subjectType: 'public',
      });
    });

    test('a client stored before requirePkce existed reads back requiring PKCE', async () => {
      const { requirePkce: _omitted, ...older } = aClient();
      await storage.clients.insert(older as Client);
      expect(await storage.clients.findById(older.id)).toMatchObject({ requirePkce: true });
      expect((await storage.clients.list({ limit: 100 })).find((c) => c.id === older.id)).toMatchObject({ requirePkce: true });
    });
  });

  describe('apis', () => {
    test('insert, find by id and identifier, replace, list, delete', async () => {
      const api = anApi();
      await storage.apis.insert(api);
      expect(await storage.apis.findById(api.id)).toEqual(api);
      expect(await storage.apis.findByIdentifier(api.identifier)).toEqual(api);
      expect(await storage.apis.findByIdentifier(`${api.identifier}/other`)).toBeNull();
      const changed = { ...api, scopes: ['orders:read'], tokenFormat: 'opaque' as const };
      expect(await storage.apis.replace(changed)).toBe(true);
      expect(await storage.apis.findByIdentifier(api.identifier)).toEqual(changed);
      expect(await storage.apis.list({ limit: 10 })).toEqual([changed]);
      expect(await storage.apis.replace(anApi())).toBe(false);
      expect(await storage.apis.delete(api.id)).toBe(true);
      expect(await storage.apis.delete(api.id)).toBe(false);
      expect(await storage.apis.findById(api.id)).toBeNull();
    });

    test('an identifier is unique, also when two are inserted at once', async () => {
      const first = anApi();
      const second = anApi({ identifier: first.identifier });
      const results = await Promise.allSettled([storage.apis.insert(first), storage.apis.insert(second)]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(results.find((r) => r.status === 'rejected')).toMatchObject({ reason: expect.any(ConflictError) });
      await expect(storage.apis.insert(first)).rejects.toBeInstanceOf(ConflictError);
    });

    test('lists in id order, a page after a cursor', async () => {
      const apis = [anApi(), anApi(), anApi()];
      for (const api of apis) await storage.apis.insert(api);
      expect((await storage.apis.list({ limit: 2 })).map((a) => a.id)).toEqual([apis[0]!.id, apis[1]!.id]);
      expect((await storage.apis.list({ limit: 2, after: apis[1]!.id })).map((a) => a.id)).toEqual([apis[2]!.id]);
    });
  });

  describe('one-time tokens', () => {
    const token = (overrides: Partial<OneTimeToken> = {}): OneTimeToken => ({
      hash: newId(),
      kind: 'reset',
      accountId: 'acc-1',
      tenantId: 't-1',
      createdAt: now(),
      expiresAt: new Date(Date.now() + 60_000).toISOString(),
      usedAt: null,
      returnTo: null,
      ...overrides,
    });

    test('insert and find; of parallel uses exactly one wins', async () => {
      const t = token();
      await storage.tokens.insert(t);
      expect(await storage.tokens.findByHash(t.hash)).toEqual(t);
      const at = new Date().toISOString();
      const wins = await Promise.all([1, 2, 3, 4, 5].map(() => storage.tokens.use(t.hash, at)));
      expect(wins.filter(Boolean)).toHaveLength(1);
      expect(await storage.tokens.findByHash(t.hash)).toEqual({ ...t, usedAt: at });
      expect(await storage.tokens.use('unknown', at)).toBe(false);
    });

    test('an expired token cannot be used and is purged', async () => {
      const t = token({ expiresAt: new Date(Date.now() - 1000).toISOString() });
      await storage.tokens.insert(t);
      expect(await storage.tokens.use(t.hash, new Date().toISOString())).toBe(false);
      expect(await storage.tokens.purgeExpired(new Date().toISOString())).toBe(1);
      expect(await storage.tokens.findByHash(t.hash)).toBeNull();
    });

    test('a new link voids the older ones of the same kind for the same account only', async () => {
      const old = token();
      const otherKind = token({ kind: 'registration' });
      const otherAccount = token({ accountId: 'acc-2' });
      const fresh = token();
      for (const t of [old, otherKind, otherAccount, fresh]) await storage.tokens.insert(t);
      expect(await storage.tokens.voidOthers('acc-1', 'reset', fresh.hash)).toBe(1);
      expect(await storage.tokens.findByHash(old.hash)).toBeNull();
      for (const t of [otherKind, otherAccount, fresh]) expect(await storage.tokens.findByHash(t.hash)).toEqual(t);
    });
  });

  describe('rate limits', () => {
    test('parallel hits in one window are all counted; another window starts over; expired windows are purged', async () => {
      const counts = await Promise.all(Array.from({ length: 30 }, () => storage.rateLimits.hit('ip:192.0.2.1', 60_000, 120_000)));
      expect(counts.sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
      expect(await storage.rateLimits.hit('ip:192.0.2.1', 120_000, 180_000)).toBe(1);
      expect(await storage.rateLimits.hit('ip:192.0.2.2', 60_000, 120_000)).toBe(1);
      expect(await storage.rateLimits.purgeExpired(150_000)).toBe(2);
      expect(await storage.rateLimits.hit('ip:192.0.2.1', 120_000, 180_000)).toBe(2);
    });
  });

  describe('key documents', () => {
    test('of parallel creates exactly one wins and every reader sees its value', async () => {
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => storage.keys.create('signing-keys', `sealed-${i}`)));
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = `sealed-${results.indexOf(true)}`;
      expect(await storage.keys.read('signing-keys')).toEqual({ sealed: winner, version: 1 });
      expect(await storage.keys.create('signing-keys', 'again')).toBe(false);
      expect(await storage.keys.read('signing-keys')).toEqual({ sealed: winner, version: 1 });
      expect(await storage.keys.read('cookie-secrets')).toBeUndefined();
    });

    test('replace succeeds once per version: a writer holding a stale version changes nothing', async () => {
      await storage.keys.create('k', 'one');
      const outcomes = await Promise.all([storage.keys.replace('k', 1, 'two'), storage.keys.replace('k', 1, 'three')]);
      expect(outcomes.filter(Boolean)).toHaveLength(1);
      const after = (await storage.keys.read('k'))!;
      expect(after.version).toBe(2);
      expect(['two', 'three']).toContain(after.sealed);
      expect(await storage.keys.replace('k', 1, 'stale')).toBe(false);
      expect(await storage.keys.read('k')).toEqual(after);
      expect(await storage.keys.replace('missing', 1, 'x')).toBe(false);
      expect(await storage.keys.read('missing')).toBeUndefined();
    });
  });

  describe('audit events', () => {
    test('list newest first, filtered by tenant and action, paged by id', async () => {
      const tenantId = newId();
      const events = [
        anEvent({ tenantId, action: 'login.password' }),
        anEvent({ tenantId, action: 'logout' }),
        anEvent({ action: 'login.password' }),
        anEvent({ tenantId, action: 'login.password' }),
      ];
      const stored = [];
      for (const e of events) stored.push(await storage.audit.append(e, seal));
      const forTenant = await storage.audit.list({ tenantId, limit: 10 });
      expect(forTenant.map((e) => e.id)).toEqual([events[3]!.id, events[1]!.id, events[0]!.id]);
      const logins = await storage.audit.list({ tenantId, action: 'login.password', limit: 10, before: events[3]!.id });
      expect(logins).toEqual([stored[0]]);
    });

    test('filters by time range, actor, target and outcome', async () => {
      const tenantId = newId();
      const a = await storage.audit.append(
        anEvent({ tenantId, time: '2026-01-01T10:00:00.000Z', actor: { type: 'user', id: 'u1' } }),
        seal,
      );
      const b = await storage.audit.append(
        anEvent({
          tenantId,
          time: '2026-01-02T10:00:00.000Z',
          actor: { type: 'user', id: 'u2' },
          target: { type: 'account', id: 'x1' },
          outcome: 'failure',
        }),
        seal,
      );
      const ids = async (q: Partial<Parameters<Storage['audit']['list']>[0]>) =>
        (await storage.audit.list({ tenantId, limit: 10, ...q })).map((e) => e.id);
      expect(await ids({ since: '2026-01-02T00:00:00.000Z' })).toEqual([b.id]);
      expect(await ids({ until: '2026-01-02T00:00:00.000Z' })).toEqual([a.id]);
      expect(await ids({ actorId: 'u1' })).toEqual([a.id]);
      expect(await ids({ targetId: 'x1' })).toEqual([b.id]);
      expect(await ids({ outcome: 'failure' })).toEqual([b.id]);
      expect(await ids({ outcome: 'success' })).toEqual([a.id]);
    });

    test("each chain (per tenant, and the operators' for no tenant) counts from 1 and links each event to the one before", async () => {
      const tenantId = newId();
      const first = await storage.audit.append(anEvent({ tenantId }), seal);
      const operators = await storage.audit.append(anEvent(), seal);
      const second = await storage.audit.append(anEvent({ tenantId }), seal);
      expect(first).toMatchObject({ seq: 1, prevHash: GENESIS_HASH, hash: hashOf(first) });
      expect(second).toMatchObject({ seq: 2, prevHash: first.hash });
      expect(operators).toMatchObject({ seq: 1, prevHash: GENESIS_HASH });
      expect(await storage.audit.chain(tenantId, 0, 10)).toEqual([first, second]);
      expect(await storage.audit.chain(tenantId, 1, 10)).toEqual([second]);
      expect(await storage.audit.heads()).toMatchObject({
        [tenantId]: { seq: 2, hash: second.hash },
        '': { seq: 1, hash: operators.hash },
      });
      expect(await storage.audit.deleteChain(tenantId)).toBe(2);
      expect(await storage.audit.chain(tenantId, 0, 10)).toEqual([]);
      expect(await storage.audit.chain('', 0, 10)).toEqual([operators]);
    });

    test('parallel appends to one chain never fork it: every seq once, every link to its predecessor', async () => {
      const tenantId = newId();
      await Promise.all(Array.from({ length: 40 }, () => storage.audit.append(anEvent({ tenantId }), seal)));
      const chain = await storage.audit.chain(tenantId, 0, 100);
      expect(chain.map((e) => e.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
      chain.forEach((e, i) => expect(e.prevHash).toBe(i === 0 ? GENESIS_HASH : chain[i - 1]!.hash));
    });
  });

  describe('oidc payloads', () => {
    const inAMinute = () => Date.now() + 60_000;

    test('a value looked up as every kind of token at once is found only as its own kind, and as it is now', async () => {
      await storage.oidc.upsert('ClientCredentials', 'one-value', { clientId: 'c1' }, inAMinute());
      await storage.oidc.upsert('AccessToken', 'other-value', { clientId: 'c2' }, inAMinute());
      const asEach = () =>
        Promise.all(['AccessToken', 'ClientCredentials', 'RefreshToken'].map((kind) => storage.oidc.find(kind, 'one-value')));
      expect(await asEach()).toEqual([undefined, { clientId: 'c1' }, undefined]);
      expect(await storage.oidc.find('AccessToken', 'other-value')).toEqual({ clientId: 'c2' });
      expect(await storage.oidc.consume('ClientCredentials', 'one-value', 7)).toBe(true);
      expect(await asEach()).toEqual([undefined, { clientId: 'c1', consumed: 7 }, undefined]);
      await storage.oidc.destroy('ClientCredentials', 'one-value');
      expect(await asEach()).toEqual([undefined, undefined, undefined]);
    });

    test('the revision of a kind of token moves with each change and removal of one, not with new ones (or is null)', async () => {
      const first = storage.oidc.revision('AccessToken');
      if (first === null) {
        await storage.oidc.upsert('AccessToken', 'rv0', { grantId: 'gr' }, inAMinute());
        expect(storage.oidc.revision('AccessToken')).toBeNull();
        return;
      }
      const refresh = storage.oidc.revision('RefreshToken');
      await storage.oidc.upsert('AccessToken', 'rv1', { grantId: 'gr' }, inAMinute());
      await storage.oidc.upsert('AccessToken', 'rv2', { grantId: 'gr' }, inAMinute());
      expect(storage.oidc.revision('AccessToken')).toBe(first);
      const seen = [first];
      const moves = [
        () => storage.oidc.upsert('AccessToken', 'rv1', { grantId: 'gr', scope: 'openid' }, inAMinute()),
        () => storage.oidc.consume('AccessToken', 'rv1', 9),
        () => storage.oidc.destroy('AccessToken', 'rv1'),
        () => storage.oidc.revokeByGrantId('gr'),
      ];
      for (const move of moves) {
        await move();
        seen.push(storage.oidc.revision('AccessToken')!);
      }
      expect(new Set(seen).size).toBe(moves.length + 1);
      // Another kind's revision is its own, and a write that changed nothing moved nothing.
      expect(storage.oidc.revision('RefreshToken')).toBe(refresh);
      const settled = storage.oidc.revision('AccessToken');
      expect(await storage.oidc.consume('AccessToken', 'no-such-token', 10)).toBe(false);
      await storage.oidc.destroy('AccessToken', 'no-such-token');
      expect(storage.oidc.revision('AccessToken')).toBe(settled);
    });

    test('upsert and find; a second upsert replaces', async () => {
      await storage.oidc.upsert('Session', 's1', { uid: 'u1', accountId: 'a' }, inAMinute());
      expect(await storage.oidc.find('Session', 's1')).toEqual({ uid: 'u1', accountId: 'a' });
      expect(await storage.oidc.findByUid('Session', 'u1')).toEqual({ uid: 'u1', accountId: 'a' });
      await storage.oidc.upsert('Session', 's1', { uid: 'u2', accountId: 'b' }, inAMinute());
      expect(await storage.oidc.findByUid('Session', 'u1')).toBeUndefined();
      expect(await storage.oidc.find('Session', 's1')).toEqual({ uid: 'u2', accountId: 'b' });
      expect(await storage.oidc.find('AccessToken', 's1')).toBeUndefined();
    });

    test('expired records are not found and are purged', async () => {
      await storage.oidc.upsert('AuthorizationCode', 'old', { grantId: 'g' }, Date.now() - 1);
      await storage.oidc.upsert('AuthorizationCode', 'forever', { grantId: 'g' }, undefined);
      expect(await storage.oidc.find('AuthorizationCode', 'old')).toBeUndefined();
      expect(await storage.oidc.find('AuthorizationCode', 'forever')).toEqual({ grantId: 'g' });
      expect(await storage.oidc.purgeExpired(Date.now())).toBe(1);
    });

    test('consume: of parallel calls exactly one wins, and the first time is kept', async () => {
      await storage.oidc.upsert('AuthorizationCode', 'c1', { grantId: 'g' }, inAMinute());
      const wins = await Promise.all([1000, 2000, 3000, 4000].map((at) => storage.oidc.consume('AuthorizationCode', 'c1', at)));
      expect(wins.filter(Boolean)).toHaveLength(1);
      const { consumed } = (await storage.oidc.find('AuthorizationCode', 'c1'))!;
      expect([1000, 2000, 3000, 4000][wins.indexOf(true)]).toBe(consumed);
      expect(await storage.oidc.consume('AuthorizationCode', 'missing', 5000)).toBe(false);
    });

    test("revoke by account removes that account's sessions, grants and tokens only", async () => {
      await storage.oidc.upsert('Session', 's1', { accountId: 'acc-1' }, inAMinute());
      await storage.oidc.upsert('Interaction', 'i1', { session: { accountId: 'acc-1' } }, inAMinute());
      await storage.oidc.upsert('RefreshToken', 'r1', { accountId: 'acc-1', grantId: 'g1' }, inAMinute());
      await storage.oidc.upsert('RefreshToken', 'r2', { accountId: 'acc-2', grantId: 'g2' }, inAMinute());
      await storage.oidc.revokeByAccountId('acc-1');
      expect(await storage.oidc.find('Session', 's1')).toBeUndefined();
      expect(await storage.oidc.find('Interaction', 'i1')).toBeUndefined();
      expect(await storage.oidc.find('RefreshToken', 'r1')).toBeUndefined();
      expect(await storage.oidc.find('RefreshToken', 'r2')).toEqual({ accountId: 'acc-2', grantId: 'g2' });
    });

    test('revoke by account can keep one session (the one making the change)', async () => {
      await storage.oidc.upsert('Session', 'here', { accountId: 'acc-3' }, inAMinute());
      await storage.oidc.upsert('Session', 'elsewhere', { accountId: 'acc-3' }, inAMinute());
      await storage.oidc.upsert('RefreshToken', 'r3', { accountId: 'acc-3', grantId: 'g3' }, inAMinute());
      await storage.oidc.revokeByAccountId('acc-3', 'here');
      expect(await storage.oidc.find('Session', 'here')).toEqual({ accountId: 'acc-3' });
      expect(await storage.oidc.find('Session', 'elsewhere')).toBeUndefined();
      expect(await storage.oidc.find('RefreshToken', 'r3')).toBeUndefined();
    });

    test("revoke by account can keep that session's own grants, and ends every other grant", async () => {
      await storage.oidc.upsert('Session', 'mine', { accountId: 'acc-4' }, inAMinute());
      await storage.oidc.upsert('Grant', 'g-mine', { accountId: 'acc-4', grantId: 'g-mine' }, inAMinute());
      await storage.oidc.upsert('RefreshToken', 'r-mine', { accountId: 'acc-4', grantId: 'g-mine' }, inAMinute());
      await storage.oidc.upsert('RefreshToken', 'r-other', { accountId: 'acc-4', grantId: 'g-other' }, inAMinute());
      await storage.oidc.upsert('Session', 'other', { accountId: 'acc-4' }, inAMinute());
      await storage.oidc.revokeByAccountId('acc-4', 'mine', ['g-mine']);
      expect(await storage.oidc.find('Session', 'mine')).toBeDefined();
      expect(await storage.oidc.find('Grant', 'g-mine')).toBeDefined();
      expect(await storage.oidc.find('RefreshToken', 'r-mine')).toBeDefined();
      expect(await storage.oidc.find('RefreshToken', 'r-other')).toBeUndefined();
      expect(await storage.oidc.find('Session', 'other')).toBeUndefined();
    });

    test('find by account: the live records of one model and account, at most the limit', async () => {
      await storage.oidc.upsert('Session', 'fa1', { accountId: 'acc-f', uid: 'u1' }, inAMinute());
      await storage.oidc.upsert('Session', 'fa2', { accountId: 'acc-f', uid: 'u2' }, inAMinute());
      await storage.oidc.upsert('Session', 'fa3', { accountId: 'acc-f', uid: 'u3' }, Date.now() - 1000);
      await storage.oidc.upsert('Session', 'fb1', { accountId: 'acc-g', uid: 'u4' }, inAMinute());
      await storage.oidc.upsert('Grant', 'gf1', { accountId: 'acc-f', clientId: 'c1' }, inAMinute());
      const sessions = await storage.oidc.findByAccountId('Session', 'acc-f', 10);
      expect(sessions.map((s) => s.uid).sort()).toEqual(['u1', 'u2']);
      expect(await storage.oidc.findByAccountId('Grant', 'acc-f', 10)).toEqual([{ accountId: 'acc-f', clientId: 'c1' }]);
      expect(await storage.oidc.findByAccountId('Session', 'acc-f', 1)).toHaveLength(1);
      expect(await storage.oidc.findByAccountId('Session', 'nobody', 10)).toEqual([]);
    });

    test('find by user code, destroy, revoke by grant id', async () => {
      await storage.oidc.upsert('DeviceCode', 'd1', { userCode: 'ABCD', grantId: 'g1' }, inAMinute());
      await storage.oidc.upsert('AccessToken', 'at1', { grantId: 'g1' }, inAMinute());
      await storage.oidc.upsert('RefreshToken', 'rt1', { grantId: 'g1' }, inAMinute());
      await storage.oidc.upsert('AccessToken', 'at2', { grantId: 'g2' }, inAMinute());
      expect(await storage.oidc.findByUserCode('DeviceCode', 'ABCD')).toEqual({ userCode: 'ABCD', grantId: 'g1' });
      await storage.oidc.destroy('DeviceCode', 'd1');
      expect(await storage.oidc.findByUserCode('DeviceCode', 'ABCD')).toBeUndefined();
      await storage.oidc.revokeByGrantId('g1');
      expect(await storage.oidc.find('AccessToken', 'at1')).toBeUndefined();
      expect(await storage.oidc.find('RefreshToken', 'rt1')).toBeUndefined();
      expect(await storage.oidc.find('AccessToken', 'at2')).toEqual({ grantId: 'g2' });
    });
  });

  describe('logout deliveries', () => {
    const delivery = (id: string, dueAt: number) => ({
      id,
      clientId: 'c1',
      accountId: 'acc-1',
      tenantId: null,
      sid: `sid-${id}`,
      reason: 'logout',
      attempts: 0,
      dueAt,
      createdAt: dueAt,
    });

    test('claims what is due, hides it until the lease ends, reschedules and removes', async () => {
      const now = Date.now();
      await storage.logoutDeliveries.enqueue(delivery('d1', now - 10));
      await storage.logoutDeliveries.enqueue(delivery('d2', now + 60_000));
      const claimed = await storage.logoutDeliveries.claimDue(now, now + 30_000, 10);
      expect(claimed).toEqual([{ ...delivery('d1', now - 10), dueAt: now + 30_000 }]);
      expect(await storage.logoutDeliveries.claimDue(now, now + 30_000, 10)).toEqual([]);
      await storage.logoutDeliveries.reschedule('d1', 1, now - 5);
      expect(await storage.logoutDeliveries.claimDue(now, now + 30_000, 10)).toEqual([
        { ...delivery('d1', now - 10), attempts: 1, dueAt: now + 30_000 },
      ]);
      await storage.logoutDeliveries.remove('d1');
      expect(await storage.logoutDeliveries.claimDue(now + 120_000, now + 150_000, 10)).toEqual([
        { ...delivery('d2', now + 60_000), dueAt: now + 150_000 },
      ]);
    });

    test('parallel claims never hand out one delivery twice', async () => {
      const now = Date.now();
      for (let i = 0; i < 8; i += 1) await storage.logoutDeliveries.enqueue(delivery(`p${i}`, now - i));
      const claims = await Promise.all(Array.from({ length: 6 }, () => storage.logoutDeliveries.claimDue(now, now + 30_000, 3)));
      const ids = claims.flat().map((d) => d.id);
      expect(ids.sort()).toEqual(Array.from({ length: 8 }, (_, i) => `p${i}`).sort());
    });
  });
}
