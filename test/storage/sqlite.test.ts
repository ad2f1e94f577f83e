import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openSqliteStorage } from '../../src/storage/sqlite/index.js';
import { DatabaseSync } from 'node:sqlite';
import { ConflictError } from '../../src/errors.js';
import { anAccount, aTenant, storageContract } from './contract.js';
import { withRememberedTokens } from '../../src/oidc/remembered-tokens.js';

describe('SQLite storage (a real file)', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'idp-sqlite-'));
  let n = 0;
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  storageContract(async () => openSqliteStorage(path.join(dir, `store-${(n += 1)}.sqlite`)));
});

describe('SQLite storage with token lookups remembered (as the server reads it): it answers as the store does', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'idp-sqlite-layered-'));
  let n = 0;
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  storageContract(async () => withRememberedTokens(openSqliteStorage(path.join(dir, `store-${(n += 1)}.sqlite`))));
});

describe('SQLite group commit', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'idp-sqlite-batch-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('writes asked for together are each committed when their promise settles, seen by another connection', async () => {
    const file = path.join(dir, 'batch.sqlite');
    const storage = openSqliteStorage(file);
    const other = new DatabaseSync(file, { readOnly: true });
    try {
      const count = () => (other.prepare("SELECT count(*) AS n FROM oidc_payloads WHERE model = 'AccessToken'").get() as { n: number }).n;
      const writes = Array.from({ length: 20 }, (_, i) => storage.oidc.upsert('AccessToken', `t${i}`, { n: i }, Date.now() + 60_000));
      // Nothing is written before the event loop's turn ends; once the promises settle, all of it is.
      expect(count()).toBe(0);
      await Promise.all(writes);
      expect(count()).toBe(20);
      const consumed = await Promise.all([storage.oidc.consume('AccessToken', 't3', 1), storage.oidc.consume('AccessToken', 't3', 2)]);
      expect(consumed.sort()).toEqual([false, true]);
      expect((other.prepare("SELECT consumed_at FROM oidc_payloads WHERE id = 't3'").get() as { consumed_at: number }).consumed_at).toBe(1);
    } finally {
      other.close();
      await storage.close();
    }
  });

  test('a revocation asked for after a write in the same turn is applied after it: the token does not outlive it', async () => {
    const storage = openSqliteStorage(path.join(dir, 'order.sqlite'));
    try {
      const written = [
        storage.oidc.upsert('RefreshToken', 'late', { accountId: 'a1', grantId: 'g1' }, Date.now() + 60_000),
        storage.oidc.upsert('AccessToken', 'late-too', { accountId: 'a2', grantId: 'g2' }, Date.now() + 60_000),
      ];
      const revoked = [storage.oidc.revokeByGrantId('g1'), storage.oidc.revokeByAccountId('a2')];
      await Promise.all([...written, ...revoked]);
      expect(await storage.oidc.find('RefreshToken', 'late')).toBeUndefined();
      expect(await storage.oidc.find('AccessToken', 'late-too')).toBeUndefined();
    } finally {
      await storage.close();
    }
  });
});

describe('SQLite revisions after every migration', () => {
  test('every table a node keeps records of in memory still has the triggers that move its revision', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'idp-sqlite-triggers-'));
    try {
      const file = path.join(dir, 'triggers.sqlite');
      openSqliteStorage(file);
      const db = new DatabaseSync(file);
      const triggers = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name").all() as { name: string }[]).map(
        (row) => row.name,
      );
      const revisions = (db.prepare('SELECT name FROM table_revisions ORDER BY name').all() as { name: string }[]).map((row) => row.name);
      db.close();
      for (const table of ['clients', 'tenants', 'accounts']) {
        expect(triggers).toEqual(expect.arrayContaining(['insert', 'update', 'delete'].map((event) => `${table}_revision_${event}`)));
      }
      expect(triggers).toEqual(expect.arrayContaining(['oidc_payloads_revision_update', 'oidc_payloads_revision_delete']));
      expect(revisions).toEqual([
        'accounts',
        'clients',
        'oidc_payloads.AccessToken',
        'oidc_payloads.ClientCredentials',
        'oidc_payloads.Grant',
        'oidc_payloads.RefreshToken',
        'tenants',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('SQLite revisions that cannot be read', () => {
  test('answer null (nothing is kept) and the lookups still answer from the store', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'idp-sqlite-unreadable-'));
    const file = path.join(dir, 'unreadable.sqlite');
    const storage = withRememberedTokens(openSqliteStorage(file));
    try {
      await storage.oidc.upsert('AccessToken', 'kept-token', { accountId: 'a1' }, Date.now() + 60_000);
      const other = new DatabaseSync(file);
      // Triggers name the table: they go first, then the table itself (a hand-edited or damaged file).
      for (const { name } of other
        .prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND sql LIKE '%table_revisions%'")
        .all() as {
        name: string;
      }[])
        other.exec(`DROP TRIGGER "${name}"`);
      other.exec('DROP TABLE table_revisions');
      await new Promise((resolve) => setImmediate(resolve));
      expect(storage.oidc.revision('AccessToken')).toBeNull();
      expect(storage.clients.revision()).toBeNull();
      expect(await storage.oidc.find('AccessToken', 'kept-token')).toMatchObject({ accountId: 'a1' });
      // Nothing was remembered: a removal by the other connection counts at once.
      other.exec("DELETE FROM oidc_payloads WHERE model = 'AccessToken'");
      other.close();
      expect(await storage.oidc.find('AccessToken', 'kept-token')).toBeUndefined();
    } finally {
      await storage.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('SQLite records kept in memory between lookups by id', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'idp-sqlite-kept-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // Revisions are read once per turn of the event loop: another process's change counts from the next turn.
  const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

  test('a change by another connection (another process, the CLI) is seen from the next turn of the event loop', async () => {
    const file = path.join(dir, 'kept.sqlite');
    const storage = openSqliteStorage(file);
    const other = new DatabaseSync(file);
    try {
      const tenant = aTenant();
      await storage.tenants.insert(tenant);
      const account = anAccount(tenant.id);
      await storage.accounts.insert(account);
      expect((await storage.accounts.findById(account.id))!.state).toBe('active');
      expect((await storage.tenants.findById(tenant.id))!.name).toBe(tenant.name);

      const doc = JSON.parse((other.prepare('SELECT doc FROM accounts WHERE id = ?').get(account.id) as { doc: string }).doc);
      other.prepare('UPDATE accounts SET doc = ? WHERE id = ?').run(JSON.stringify({ ...doc, state: 'disabled' }), account.id);
      other.prepare('UPDATE tenants SET doc = json_set(doc, ?, ?) WHERE id = ?').run('$.name', 'Renamed', tenant.id);
      await nextTurn();
      expect((await storage.accounts.findById(account.id))!.state).toBe('disabled');
      expect((await storage.tenants.findById(tenant.id))!.name).toBe('Renamed');

      other.prepare('DELETE FROM accounts WHERE id = ?').run(account.id);
      await nextTurn();
      expect(await storage.accounts.findById(account.id)).toBeNull();
    } finally {
      other.close();
      await storage.close();
    }
  });

  test('a change by this process is seen at once, in the same turn', async () => {
    const storage = openSqliteStorage(path.join(dir, 'own.sqlite'));
    try {
      const tenant = aTenant();
      await storage.tenants.insert(tenant);
      expect((await storage.tenants.findById(tenant.id))!.name).toBe(tenant.name);
      expect(await storage.tenants.replace({ ...tenant, name: 'Renamed here' }, tenant.state)).toBe(true);
      expect((await storage.tenants.findById(tenant.id))!.name).toBe('Renamed here');
      const account = anAccount(tenant.id);
      await storage.accounts.insert(account);
      expect((await storage.accounts.findById(account.id))!.state).toBe('active');
      await storage.accounts.update(account.id, (current) => ({ ...current, state: 'disabled' }));
      expect((await storage.accounts.findById(account.id))!.state).toBe('disabled');
      expect(await storage.accounts.delete(account.id)).toBe(true);
      expect(await storage.accounts.findById(account.id)).toBeNull();
    } finally {
      await storage.close();
    }
  });

  test('what one reader is given cannot be changed under the next one', async () => {
    const storage = openSqliteStorage(path.join(dir, 'frozen.sqlite'));
    try {
      const tenant = aTenant();
      await storage.tenants.insert(tenant);
      const account = anAccount(tenant.id);
      await storage.accounts.insert(account);
      const first = (await storage.accounts.findById(account.id))!;
      const second = (await storage.accounts.findById(account.id))!;
      expect(() => {
        (first as { state: string }).state = 'locked';
      }).toThrow(TypeError);
      expect(() => (first.identities as unknown[]).push({})).toThrow(TypeError);
      expect(second.state).toBe('active');
      expect((await storage.accounts.findById(account.id))!.identities).toEqual([]);
    } finally {
      await storage.close();
    }
  });
});

describe('SQLite schema upgrade to accounts without an e-mail address', () => {
  test('a store from before keeps its accounts, their e-mail uniqueness and their identity links', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'idp-sqlite-upgrade-'));
    const file = path.join(dir, 'old.sqlite');
    try {
      // Schema version 9, as the previous release left it.
      const current = openSqliteStorage(file);
      await current.close();
      const db = new DatabaseSync(file);
      // The tables of later versions go too (apis; roles, support grants, the search index).
      db.exec(`PRAGMA foreign_keys = ON; DROP TABLE IF EXISTS apis; DROP TABLE account_search_terms; DROP TABLE role_assignments; DROP TABLE support_grants;
        DROP TABLE account_identities; DROP TABLE accounts;
        CREATE TABLE accounts (id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, email_normalized TEXT NOT NULL, doc TEXT NOT NULL,
          UNIQUE (tenant_id, email_normalized));
        CREATE INDEX accounts_by_email ON accounts (email_normalized);
        CREATE TABLE account_identities (connection_id TEXT NOT NULL, subject TEXT NOT NULL,
          account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE, PRIMARY KEY (connection_id, subject));
        PRAGMA user_version = 9;`);
      const old = anAccount('t1', { identities: [{ connectionId: 'c1', subject: 's1', linkedAt: '2026-01-01T00:00:00.000Z' }] });
      const { personalNumber: _none, ...oldDoc } = old;
      db.prepare('INSERT INTO accounts (id, tenant_id, email_normalized, doc) VALUES (?, ?, ?, ?)').run(
        old.id,
        old.tenantId,
        old.emailNormalized!,
        JSON.stringify(oldDoc),
      );
      db.prepare('INSERT INTO account_identities (connection_id, subject, account_id) VALUES (?, ?, ?)').run('c1', 's1', old.id);
      db.close();

      const upgraded = openSqliteStorage(file);
      try {
        expect(await upgraded.accounts.findById(old.id)).toEqual(old);
        expect((await upgraded.accounts.findByIdentity('c1', 's1'))!.id).toBe(old.id);
        expect((await upgraded.accounts.findByEmail('t1', old.emailNormalized!))!.id).toBe(old.id);
        await expect(upgraded.accounts.insert(anAccount('t1', { email: old.email }))).rejects.toBeInstanceOf(ConflictError);
        await upgraded.accounts.insert(anAccount('t1', { email: null }));
        await upgraded.accounts.insert(anAccount('t1', { email: null }));
        expect(await upgraded.accounts.listByTenant('t1', { limit: 10 })).toHaveLength(3);
        // The later versions ran after it: the old account is in the search index.
        expect((await upgraded.accounts.search('t1', { q: old.emailNormalized!.slice(0, 6), limit: 10 })).map((a) => a.id)).toEqual([
          old.id,
        ]);
      } finally {
        await upgraded.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
