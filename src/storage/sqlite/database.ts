import { closeSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import { stat } from 'node:fs/promises';
import { DatabaseSync, type SQLInputValue } from 'node:sqlite';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConflictError } from '../../errors.js';
import { chainOf, seal, type UnsealedEvent } from '../../audit/chain.js';
import { StoreUnavailableError } from '../errors.js';
import type { Account } from '../../accounts/types.js';
import { searchTermsOf } from '../../accounts/search.js';
import { Checkpointer } from './checkpointer.js';

/** Schema versions, applied in order, each once; the applied version lives in `user_version`. */
const MIGRATIONS: (string | ((db: DatabaseSync) => void))[] = [
  `
  CREATE TABLE tenants (id TEXT PRIMARY KEY, slug TEXT NOT NULL UNIQUE, doc TEXT NOT NULL);
  CREATE TABLE tenant_domains (domain TEXT NOT NULL, tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    PRIMARY KEY (domain, tenant_id));
  CREATE TABLE accounts (id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, email_normalized TEXT NOT NULL, doc TEXT NOT NULL,
    UNIQUE (tenant_id, email_normalized));
  CREATE INDEX accounts_by_email ON accounts (email_normalized);
  CREATE TABLE clients (id TEXT PRIMARY KEY, doc TEXT NOT NULL);
  CREATE TABLE audit_events (id TEXT PRIMARY KEY, tenant_id TEXT, action TEXT NOT NULL, doc TEXT NOT NULL);
  CREATE INDEX audit_by_tenant ON audit_events (tenant_id, id);
  CREATE TABLE oidc_payloads (model TEXT NOT NULL, id TEXT NOT NULL, payload TEXT NOT NULL,
    grant_id TEXT, uid TEXT, user_code TEXT, expires_at INTEGER, consumed_at INTEGER, PRIMARY KEY (model, id));
  CREATE INDEX oidc_by_grant ON oidc_payloads (grant_id) WHERE grant_id IS NOT NULL;
  CREATE INDEX oidc_by_uid ON oidc_payloads (model, uid) WHERE uid IS NOT NULL;
  CREATE INDEX oidc_by_user_code ON oidc_payloads (model, user_code) WHERE user_code IS NOT NULL;
  CREATE INDEX oidc_by_expiry ON oidc_payloads (expires_at) WHERE expires_at IS NOT NULL;
  `,
  `
  CREATE TABLE rate_limits (key TEXT NOT NULL, window_start INTEGER NOT NULL, count INTEGER NOT NULL, expires_at INTEGER NOT NULL,
    PRIMARY KEY (key, window_start));
  CREATE INDEX rate_limits_by_expiry ON rate_limits (expires_at);
  `,
  `
  ALTER TABLE oidc_payloads ADD COLUMN account_id TEXT;
  CREATE INDEX oidc_by_account ON oidc_payloads (account_id) WHERE account_id IS NOT NULL;
  `,
  `
  CREATE TABLE one_time_tokens (hash TEXT PRIMARY KEY, kind TEXT NOT NULL, account_id TEXT NOT NULL, expires_at TEXT NOT NULL,
    used_at TEXT, doc TEXT NOT NULL);
  CREATE INDEX tokens_by_account ON one_time_tokens (account_id, kind);
  CREATE INDEX tokens_by_expiry ON one_time_tokens (expires_at);
  `,
  `
  CREATE TABLE connections (id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, doc TEXT NOT NULL);
  CREATE INDEX connections_by_tenant ON connections (tenant_id, id);
  CREATE TABLE account_identities (connection_id TEXT NOT NULL, subject TEXT NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE, PRIMARY KEY (connection_id, subject));
  CREATE INDEX identities_by_account ON account_identities (account_id);
  `,
  `
  CREATE TABLE heartbeat (id INTEGER PRIMARY KEY CHECK (id = 1), at INTEGER NOT NULL);
  `,
  // Audit hash chains: each event's chain ('' for the operators') and place in it, unique per chain.
  `
  ALTER TABLE audit_events ADD COLUMN chain TEXT;
  ALTER TABLE audit_events ADD COLUMN seq INTEGER;
  CREATE UNIQUE INDEX audit_chain_seq ON audit_events (chain, seq);
  `,
  // Events written before the chains existed are sealed into them once, in the order of their ids.
  (db) => sealLegacyAuditEvents(db),
  `
  CREATE TABLE key_documents (name TEXT PRIMARY KEY, sealed TEXT NOT NULL, version INTEGER NOT NULL);
  `,
  // Accounts without an e-mail address (made from an e-ID sign-in), and the personnummer hash, unique per tenant.
  (db) => rebuildAccountsForOptionalEmail(db),
  // APIs (resource servers), found by their resource indicator.
  `
  CREATE TABLE apis (id TEXT PRIMARY KEY, identifier TEXT NOT NULL UNIQUE, doc TEXT NOT NULL);
  `,
  // Administrator roles and support grants (R12); the index behind account search.
  `
  CREATE TABLE role_assignments (account_id TEXT NOT NULL, role TEXT NOT NULL, tenant_id TEXT NOT NULL, granted_at TEXT NOT NULL,
    PRIMARY KEY (account_id, role, tenant_id));
  CREATE INDEX roles_by_tenant ON role_assignments (tenant_id, account_id);
  CREATE TABLE support_grants (id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, staff_account_id TEXT NOT NULL,
    expires_at TEXT NOT NULL, ended_at TEXT, doc TEXT NOT NULL);
  CREATE INDEX support_grants_by_tenant ON support_grants (tenant_id, id);
  CREATE INDEX support_grants_by_staff ON support_grants (staff_account_id, expires_at);
  CREATE TABLE account_search_terms (tenant_id TEXT NOT NULL, term TEXT NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE, PRIMARY KEY (tenant_id, term, account_id));
  CREATE INDEX search_terms_by_account ON account_search_terms (account_id);
  CREATE INDEX accounts_by_tenant ON accounts (tenant_id, id);
  `,
  (db) => indexAccountSearchTerms(db),
  `
  -- IF NOT EXISTS: a store set back to an older user_version (the upgrade tests do) may hold it already.
  CREATE TABLE IF NOT EXISTS logout_deliveries (id TEXT PRIMARY KEY, due_at INTEGER NOT NULL, doc TEXT NOT NULL);
  CREATE INDEX IF NOT EXISTS logout_deliveries_due ON logout_deliveries (due_at);
  `,
  // A revision per table that a node caches from: moved by triggers in the same transaction as
  // every change, by any writer in any process (the CLI included), so a cache can tell it is stale.
  revisionTriggers(['clients', 'tenants', 'accounts']),
  // A revision per kind of token that a node remembers lookups of (remembered-tokens.ts): moved by
  // every change to, or removal of, such a record. New records leave it alone: nobody can ask for
  // a token before it exists, so no remembered answer is made stale by one.
  `
  INSERT OR IGNORE INTO table_revisions (name, revision) VALUES
    ('oidc_payloads.AccessToken', 0), ('oidc_payloads.ClientCredentials', 0), ('oidc_payloads.RefreshToken', 0), ('oidc_payloads.Grant', 0);
  CREATE TRIGGER IF NOT EXISTS oidc_payloads_revision_update AFTER UPDATE ON oidc_payloads
    WHEN OLD.model IN ('AccessToken', 'ClientCredentials', 'RefreshToken', 'Grant')
    BEGIN UPDATE table_revisions SET revision = revision + 1 WHERE name = 'oidc_payloads.' || OLD.model; END;
  CREATE TRIGGER IF NOT EXISTS oidc_payloads_revision_delete AFTER DELETE ON oidc_payloads
    WHEN OLD.model IN ('AccessToken', 'ClientCredentials', 'RefreshToken', 'Grant')
    BEGIN UPDATE table_revisions SET revision = revision + 1 WHERE name = 'oidc_payloads.' || OLD.model; END;
  `,
];

function revisionTriggers(tables: string[]): string {
  const statements = ['CREATE TABLE IF NOT EXISTS table_revisions (name TEXT PRIMARY KEY, revision INTEGER NOT NULL) WITHOUT ROWID;'];
  for (const table of tables) {
    statements.push(`INSERT OR IGNORE INTO table_revisions (name, revision) VALUES ('${table}', 0);`);
    for (const event of ['INSERT', 'UPDATE', 'DELETE']) {
      statements.push(
        `CREATE TRIGGER IF NOT EXISTS ${table}_revision_${event.toLowerCase()} AFTER ${event} ON ${table}
          BEGIN UPDATE table_revisions SET revision = revision + 1 WHERE name = '${table}'; END;`,
      );
    }
  }
  return statements.join('\n');
}

/** Accounts stored before search existed get their terms once. */
function indexAccountSearchTerms(db: DatabaseSync): void {
  const rows = db.prepare('SELECT doc FROM accounts').all() as { doc: string }[];
  const insert = db.prepare('INSERT OR IGNORE INTO account_search_terms (tenant_id, term, account_id) VALUES (?, ?, ?)');
  for (const row of rows) {
    const account = JSON.parse(row.doc) as Account;
    for (const term of searchTermsOf(account)) insert.run(account.tenantId, term, account.id);
  }
}

/**
 * SQLite cannot drop NOT NULL from a column, so the table is built again. Dropping the old one
 * deletes its identity rows (ON DELETE CASCADE, and foreign keys cannot be switched off inside
 * the migration's transaction), so they are written again from the records, which hold them.
 */
function rebuildAccountsForOptionalEmail(db: DatabaseSync): void {
  db.exec(`
  CREATE TABLE accounts_next (id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, email_normalized TEXT, personal_number_hash TEXT,
    doc TEXT NOT NULL, UNIQUE (tenant_id, email_normalized));
  INSERT INTO accounts_next (id, tenant_id, email_normalized, doc) SELECT id, tenant_id, email_normalized, doc FROM accounts;
  DROP TABLE accounts;
  ALTER TABLE accounts_next RENAME TO accounts;
  CREATE INDEX accounts_by_email ON accounts (email_normalized);
  CREATE UNIQUE INDEX accounts_by_personal_number ON accounts (tenant_id, personal_number_hash) WHERE personal_number_hash IS NOT NULL;
  INSERT INTO account_identities (connection_id, subject, account_id)
    SELECT json_extract(i.value, '$.connectionId'), json_extract(i.value, '$.subject'), a.id
    FROM accounts a, json_each(a.doc, '$.identities') i;
  `);
}

function sealLegacyAuditEvents(db: DatabaseSync): void {
  const heads = new Map<string, { seq: number; hash: string }>();
  const rows = db.prepare('SELECT id, doc FROM audit_events WHERE seq IS NULL ORDER BY id').all() as { id: string; doc: string }[];
  const update = db.prepare('UPDATE audit_events SET chain = $chain, seq = $seq, doc = $doc WHERE id = $id');
  for (const row of rows) {
    const event = JSON.parse(row.doc) as UnsealedEvent;
    const chain = chainOf(event.tenantId);
    const sealed = seal(event, heads.get(chain) ?? null);
    heads.set(chain, { seq: sealed.seq, hash: sealed.hash });
    update.run({ id: row.id, chain, seq: sealed.seq, doc: JSON.stringify(sealed) });
  }
}

/**
 * DatabaseSync waits for a lock on the event loop, so SQLite itself waits only briefly; longer
 * waits happen between attempts, off the event loop, within a bounded total (about 1.5 s).
 */
const BUSY_TIMEOUT_MS = 50;
const BUSY_RETRY_DELAYS_MS = [10, 20, 50, 100, 150, 200, 300, 300, 300];
/** At open (migrations) nothing is served yet, so waiting on the event loop is harmless there. */
const OPEN_BUSY_TIMEOUT_MS = 5000;
/**
 * With the checkpoint thread running, the serving connection checkpoints by itself (inside a
 * COMMIT, on the event loop) only if the log passes this many pages (about 40 MB): a backstop.
 * SQLite's own default, used again should the thread fail, is 1,000.
 */
const BACKSTOP_AUTOCHECKPOINT_PAGES = 10_000;
const DEFAULT_AUTOCHECKPOINT_PAGES = 1_000;
/** The checkpoint thread starts once the log reaches this size (a quarter of SQLite's own threshold). */
const LAZY_CHECKPOINTER_WAL_BYTES = 1024 * 1024;
const WAL_WATCH_INTERVAL_MS = 1000;
/** After a checkpoint has emptied it, the log file is cut back to this size (bytes). */
const WAL_SIZE_LIMIT_BYTES = 8 * 1024 * 1024;

/** Named (`$name`) or positional (`?`) parameters; positional ones bind faster (hot paths). */
export type Params = Record<string, SQLInputValue> | SQLInputValue[];

interface PendingWrite {
  write: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** A thin, typed wrapper over node:sqlite that caches statements and maps constraint errors. */
export class Database {
  private readonly statements = new Map<string, ReturnType<DatabaseSync['prepare']>>();
  private pending: PendingWrite[] = [];
  private checkpointThread: Checkpointer | null = null;
  private readonly walWatch: NodeJS.Timeout | null = null;

  constructor(
    readonly db: DatabaseSync,
    private readonly file: string | null = null,
  ) {
    if (!file) return;
    // The thread costs its own V8 isolate (about 12 MB): it starts once writes fill the log,
    // so an idle node or a CLI command does not pay for it; until then SQLite checkpoints as usual.
    this.walWatch = setInterval(() => {
      stat(`${file}-wal`).then(
        ({ size }) => size >= LAZY_CHECKPOINTER_WAL_BYTES && this.startCheckpointer(),
        () => undefined,
      );
    }, WAL_WATCH_INTERVAL_MS);
    this.walWatch.unref();
  }

  /** The thread that checkpoints the log (file databases only, once writes have filled it). */
  get checkpointer(): Checkpointer | null {
    return this.checkpointThread;
  }

  /** Starts the checkpoint thread now, if it is not running (file databases only). */
  startCheckpointer(): Checkpointer | null {
    if (this.checkpointThread || !this.file || !this.db.isOpen) return this.checkpointThread;
    if (this.walWatch) clearInterval(this.walWatch);
    this.db.exec(`PRAGMA wal_autocheckpoint = ${BACKSTOP_AUTOCHECKPOINT_PAGES}; PRAGMA journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
    this.checkpointThread = new Checkpointer(this.file, () => {
      if (this.db.isOpen) this.db.exec(`PRAGMA wal_autocheckpoint = ${DEFAULT_AUTOCHECKPOINT_PAGES}`);
    });
    return this.checkpointThread;
  }

  /**
   * The file holds live tokens: it is created 0600 in a 0700 directory before SQLite opens it,
   * and SQLite gives its -wal and -shm files the database file's mode whenever it creates them.
   */
  static open(file: string): Database {
    if (file !== ':memory:') {
      mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      closeSync(openSync(file, 'a', 0o600));
    }
    const db = new DatabaseSync(file);
    db.exec(
      // recursive_triggers: a row that INSERT OR REPLACE removes fires its delete triggers (the revisions) too.
      `PRAGMA busy_timeout = ${OPEN_BUSY_TIMEOUT_MS}; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA recursive_triggers = ON;`,
    );
    const database = new Database(db, file === ':memory:' ? null : file);
    database.migrate();
    db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    return database;
  }

  /**
   * Runs `operation` (one statement or one transaction, so a failed attempt wrote nothing),
   * trying again after each delay while another process holds the write lock. A lock held past
   * the delays, a full disk or a failing file become StoreUnavailableError.
   */
  whenFree<T>(operation: () => T | Promise<T>, delays: readonly number[] = BUSY_RETRY_DELAYS_MS): Promise<T> {
    return this.attempt(operation, delays, 0);
  }

  // Without an async frame per call: this wraps every store call, and almost every one succeeds at once.
  private attempt<T>(operation: () => T | Promise<T>, delays: readonly number[], attempt: number): Promise<T> {
    let result: T | Promise<T>;
    try {
      result = operation();
    } catch (error) {
      return this.afterFailure(error, operation, delays, attempt);
    }
    return Promise.resolve(result).then(undefined, (error: unknown) => this.afterFailure(error, operation, delays, attempt));
  }

  private async afterFailure<T>(error: unknown, operation: () => T | Promise<T>, delays: readonly number[], attempt: number): Promise<T> {
    const code = primaryCode(error);
    if (code === SQLITE_BUSY && attempt < delays.length) {
      await sleep(delays[attempt]);
      return this.attempt(operation, delays, attempt + 1);
    }
    if (code === SQLITE_BUSY) throw new StoreUnavailableError('busy', { cause: error });
    if (code !== undefined && UNAVAILABLE_CODES.has(code)) throw new StoreUnavailableError('failing', { cause: error });
    throw error;
  }

  /**
   * Every method of a repository, run by whenFree. Each must be one statement or one transaction.
   * But `revision`, which never waits (see revision) and is answered as it is, not as a promise.
   */
  guarded<R extends object>(repository: R): R {
    const wrappers = new Map<PropertyKey, (...args: unknown[]) => unknown>();
    return new Proxy(repository, {
      get: (target, name) => {
        const value = Reflect.get(target, name, target) as unknown;
        if (typeof value !== 'function') return value;
        let wrapper = wrappers.get(name);
        if (!wrapper) {
          const method = value as (...a: unknown[]) => unknown;
          wrapper = name === 'revision' ? method.bind(target) : (...args: unknown[]) => this.whenFree(() => method.apply(target, args));
          wrappers.set(name, wrapper);
        }
        return wrapper;
      },
    });
  }

  private migrate(): void {
    const { user_version: current } = this.db.prepare('PRAGMA user_version').get() as { user_version: number };
    for (let version = current; version < MIGRATIONS.length; version += 1) {
      this.transaction(() => {
        const migration = MIGRATIONS[version]!;
        if (typeof migration === 'string') this.db.exec(migration);
        else migration(this.db);
        this.db.exec(`PRAGMA user_version = ${version + 1}`);
      });
    }
  }

  private statement(sql: string) {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /** Every table's revision as last read (see revision); dropped by any write of ours. */
  private revisions: Map<string, number> | null = null;
  /** PRAGMA data_version when they were read: it moves when another connection commits. */
  private revisionsDataVersion: number | null = null;
  /** Whether data_version was asked during the current turn of the event loop. */
  private versionCheckedThisTurn = false;

  /**
   * The trigger-kept revision of a table (see revisionTriggers); null inside an open transaction,
   * whose changes may yet be rolled back (and the revision with them): nothing may be cached then.
   * Checked once per turn of the event loop, which serves many requests under load: PRAGMA
   * data_version tells whether another connection (process, CLI) committed since the revisions
   * were read, and only then are they read again, all at once. A change by another process counts
   * from the next turn (at most milliseconds); one by this process at once, since every write of
   * ours drops what was read. A table without a row (a kind nothing is kept of, or a hand-edited
   * file) answers null, and so does every table while the file cannot be read (busy or failing):
   * nothing is kept or answered from memory, and the lookup itself goes to the store, which waits
   * or reports the failure.
   */
  revision(table: string): number | null {
    if (this.db.isTransaction) return null;
    try {
      if (!this.versionCheckedThisTurn) {
        this.versionCheckedThisTurn = true;
        setImmediate(() => (this.versionCheckedThisTurn = false));
        const { data_version: version } = this.get<{ data_version: number }>('PRAGMA data_version')!;
        if (version !== this.revisionsDataVersion) this.revisions = null;
        this.revisionsDataVersion = version;
      }
      this.revisions ??= new Map(
        this.all<{ name: string; revision: number }>('SELECT name, revision FROM table_revisions').map((row) => [row.name, row.revision]),
      );
    } catch {
      this.revisions = null;
      this.revisionsDataVersion = null;
      return null;
    }
    return this.revisions.get(table) ?? null;
  }

  get<T>(sql: string, params: Params = {}): T | undefined {
    const statement = this.statement(sql);
    return (Array.isArray(params) ? statement.get(...params) : statement.get(params)) as T | undefined;
  }

  all<T>(sql: string, params: Params = {}): T[] {
    const statement = this.statement(sql);
    return (Array.isArray(params) ? statement.all(...params) : statement.all(params)) as T[];
  }

  /** Runs a write; a uniqueness violation becomes a ConflictError naming `what`. */
  run(sql: string, params: Params = {}, what = 'record'): { changes: number } {
    this.revisions = null;
    try {
      const statement = this.statement(sql);
      const result = Array.isArray(params) ? statement.run(...params) : statement.run(params);
      return { changes: Number(result.changes) };
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictError(what);
      throw error;
    }
  }

  /**
   * Runs fn inside BEGIN IMMEDIATE … COMMIT, so other writers wait rather than interleave. Inside
   * a transaction already open (a batch of group-committed writes) it is a savepoint instead, so
   * that a failing fn undoes only its own statements.
   */
  transaction<T>(fn: () => T): T {
    if (this.db.isTransaction) return this.savepoint(fn);
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const result = fn();
      this.db.exec('COMMIT');
      return result;
    } catch (error) {
      // SQLite has already rolled back after some errors (SQLITE_FULL); ROLLBACK would then hide the cause.
      if (this.db.isTransaction) this.db.exec('ROLLBACK');
      throw error;
    }
  }

  private savepoint<T>(fn: () => T): T {
    this.db.exec('SAVEPOINT nested');
    try {
      const result = fn();
      this.db.exec('RELEASE nested');
      return result;
    } catch (error) {
      if (this.db.isTransaction) {
        this.db.exec('ROLLBACK TO nested');
        this.db.exec('RELEASE nested');
      }
      throw error;
    }
  }

  /**
   * Group commit for writes on hot paths (every token, code and session): the
   * writes asked for while the event loop serves one round of I/O are committed together in one
   * transaction just after it, and each promise settles only once that commit is done, so an
   * answer that follows a write still follows its commit. One commit costs about what one write
   * does, so concurrent requests share it. A write is one statement or one transaction() (then a
   * savepoint in the batch). A write that fails alone (a constraint) rejects alone;
   * a failed BEGIN or COMMIT rejects every write of the batch (each one then retried by whenFree).
   */
  batched<T>(write: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.pending.length === 0) setImmediate(() => this.flush());
      this.pending.push({ write, resolve: resolve as (value: unknown) => void, reject });
    });
  }

  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    if (batch.length === 1) {
      const [only] = batch as [PendingWrite];
      try {
        only.resolve(only.write());
      } catch (error) {
        only.reject(error);
      }
      return;
    }
    const outcomes: { value?: unknown; error?: unknown; failed: boolean }[] = [];
    try {
      this.db.exec('BEGIN IMMEDIATE');
      for (const item of batch) {
        try {
          outcomes.push({ value: item.write(), failed: false });
        } catch (error) {
          // A statement error leaves the transaction open; one that ended it (SQLITE_FULL) fails the batch.
          if (!this.db.isTransaction) throw error;
          outcomes.push({ error, failed: true });
        }
      }
      this.db.exec('COMMIT');
    } catch (error) {
      if (this.db.isOpen && this.db.isTransaction) this.db.exec('ROLLBACK');
      for (const item of batch) item.reject(error);
      return;
    }
    batch.forEach((item, i) => {
      const outcome = outcomes[i]!;
      if (outcome.failed) item.reject(outcome.error);
      else item.resolve(outcome.value);
    });
  }

  close(): void {
    // Writes still waiting for their commit are committed first.
    this.flush();
    if (this.walWatch) clearInterval(this.walWatch);
    this.checkpointThread?.stop();
    this.statements.clear();
    if (this.db.isOpen) this.db.close();
  }
}

const SQLITE_BUSY = 5;
/** SQLITE_IOERR, SQLITE_READONLY, SQLITE_FULL, SQLITE_CANTOPEN: the store cannot be written now. */
const UNAVAILABLE_CODES = new Set([10, 8, 13, 14]);
const SQLITE_CONSTRAINT_PRIMARYKEY = 1555;
const SQLITE_CONSTRAINT_UNIQUE = 2067;

/** Duck-typed: node:sqlite errors come from another realm under test runners, so instanceof fails. */
function isUniqueViolation(error: unknown): boolean {
  const code = (error as { errcode?: unknown } | null)?.errcode;
  return code === SQLITE_CONSTRAINT_UNIQUE || code === SQLITE_CONSTRAINT_PRIMARYKEY;
}

/** The primary result code (the low byte of an extended one), duck-typed like isUniqueViolation. */
function primaryCode(error: unknown): number | undefined {
  const code = (error as { errcode?: unknown } | null)?.errcode;
  return typeof code === 'number' ? code & 0xff : undefined;
}

export function parseDoc<T>(row: { doc: string } | undefined): T | null {
  return row ? (JSON.parse(row.doc) as T) : null;
}

export function parseDocs<T>(rows: { doc: string }[]): T[] {
  return rows.map((row) => JSON.parse(row.doc) as T);
}
