import { withAccountDefaults, type Account } from '../../accounts/types.js';
import type { AuditEvent, AuditQuery, ChainHead } from '../../audit/types.js';
import { chainOf, type UnsealedEvent } from '../../audit/chain.js';
import { withClientDefaults, type Client } from '../../clients/types.js';
import { withTenantDefaults, type Tenant, type TenantState } from '../../tenants/types.js';
import type { Connection } from '../../federation/types.js';
import type { ConnectionRepository } from '../../federation/repository.js';
import type { AccountChange, AccountRepository } from '../../accounts/repository.js';
import type { AuditRepository } from '../../audit/repository.js';
import type { ClientRepository } from '../../clients/repository.js';
import type { Page } from '../../paging.js';
import { normalizeSearch, prefixEnd, searchTermsOf, type AccountSearch } from '../../accounts/search.js';
import type { TenantRepository } from '../../tenants/repository.js';
import { parseDoc, parseDocs, type Database } from './database.js';
import { RevisionCache } from './revision-cache.js';

type DocRow = { doc: string };

const toTenant = (row: DocRow | undefined) => (row ? withTenantDefaults(JSON.parse(row.doc) as Tenant) : null);
const toTenants = (rows: DocRow[]) => rows.map((row) => toTenant(row)!);

export class SqliteTenants implements TenantRepository {
  /** Every person's token request reads its tenant by id. */
  private readonly byId: RevisionCache<Tenant>;

  constructor(private readonly db: Database) {
    this.byId = new RevisionCache(db, 'tenants');
  }

  async insert(tenant: Tenant): Promise<void> {
    this.db.transaction(() => {
      this.db.run(
        'INSERT INTO tenants (id, slug, doc) VALUES ($id, $slug, $doc)',
        { id: tenant.id, slug: tenant.slug, doc: JSON.stringify(tenant) },
        'tenant',
      );
      this.writeDomains(tenant);
    });
  }

  async findById(id: string) {
    return this.byId.read(id, () => toTenant(this.db.get<DocRow>('SELECT doc FROM tenants WHERE id = $id', { id })));
  }

  async findBySlug(slug: string) {
    return toTenant(this.db.get<DocRow>('SELECT doc FROM tenants WHERE slug = $slug', { slug }));
  }

  async findByDomain(domain: string) {
    return toTenants(
      this.db.all<DocRow>(
        'SELECT t.doc FROM tenants t JOIN tenant_domains d ON d.tenant_id = t.id WHERE d.domain = $domain ORDER BY t.id',
        { domain },
      ),
    );
  }

  async list(page: Page) {
    return toTenants(
      this.db.all<DocRow>('SELECT doc FROM tenants WHERE id > $after ORDER BY id LIMIT $limit', {
        after: page.after ?? '',
        limit: page.limit,
      }),
    );
  }

  async replace(tenant: Tenant, expectedState: TenantState) {
    return this.db.transaction(() => {
      const { changes } = this.db.run(
        "UPDATE tenants SET slug = $slug, doc = $doc WHERE id = $id AND json_extract(doc, '$.state') = $expectedState",
        { id: tenant.id, slug: tenant.slug, doc: JSON.stringify(tenant), expectedState },
        'tenant',
      );
      if (changes) this.writeDomains(tenant);
      return changes > 0;
    });
  }

  async delete(id: string) {
    return this.db.run('DELETE FROM tenants WHERE id = $id', { id }).changes > 0;
  }

  async listDueForPurge(now: string, page: Page) {
    return toTenants(
      this.db.all<DocRow>(
        `SELECT doc FROM tenants WHERE json_extract(doc, '$.state') = 'scheduled_for_deletion' AND json_extract(doc, '$.purgeAfter') <= $now
         AND id > $after ORDER BY id LIMIT $limit`,
        { now, after: page.after ?? '', limit: page.limit },
      ),
    );
  }

  /** One UPDATE with every condition in its WHERE: of racing nodes, one changes the row. */
  async claimPurge(id: string, now: string, leaseUntil: string) {
    return (
      this.db.run(
        `UPDATE tenants SET doc = json_set(doc, '$.purgeLeaseUntil', $lease) WHERE id = $id
         AND json_extract(doc, '$.state') = 'scheduled_for_deletion' AND json_extract(doc, '$.purgeAfter') <= $now
         AND (json_extract(doc, '$.purgeLeaseUntil') IS NULL OR json_extract(doc, '$.purgeLeaseUntil') < $now)`,
        { id, now, lease: leaseUntil },
      ).changes === 1
    );
  }

  async cancelDeletion(id: string, now: string) {
    return (
      this.db.run(
        `UPDATE tenants SET doc = json_set(doc, '$.state', 'active', '$.purgeAfter', NULL, '$.purgeLeaseUntil', NULL, '$.updatedAt', $now)
       WHERE id = $id AND json_extract(doc, '$.state') = 'scheduled_for_deletion'
         AND (json_extract(doc, '$.purgeLeaseUntil') IS NULL OR json_extract(doc, '$.purgeLeaseUntil') < $now)`,
        { id, now },
      ).changes === 1
    );
  }

  private writeDomains(tenant: Tenant): void {
    this.db.run('DELETE FROM tenant_domains WHERE tenant_id = $id', { id: tenant.id });
    for (const domain of tenant.domains) {
      this.db.run('INSERT INTO tenant_domains (domain, tenant_id) VALUES ($domain, $id)', { domain, id: tenant.id });
    }
  }
}

const toAccount = (row: DocRow | undefined) => (row ? withAccountDefaults(JSON.parse(row.doc) as Account) : null);

export class SqliteAccounts implements AccountRepository {
  /** Every token refresh and userinfo request reads its account by id. */
  private readonly byId: RevisionCache<Account>;

  constructor(private readonly db: Database) {
    this.byId = new RevisionCache(db, 'accounts');
  }

  // Group-committed: registrations, invitations and imports arriving together share a commit.
  insert(account: Account) {
    const doc = JSON.stringify(account);
    return this.db.batched(() =>
      this.db.transaction(() => {
        this.db.run(
          'INSERT INTO accounts (id, tenant_id, email_normalized, personal_number_hash, doc) VALUES ($id, $tenant, $email, $pnr, $doc)',
          {
            id: account.id,
            tenant: account.tenantId,
            email: account.emailNormalized,
            pnr: account.personalNumber?.hash ?? null,
            doc,
          },
          'account',
        );
        this.writeIdentities(account);
        this.writeSearchTerms(account);
      }),
    );
  }

  async findByIdentity(connectionId: string, subject: string) {
    return toAccount(
      this.db.get<DocRow>(
        'SELECT a.doc FROM accounts a JOIN account_identities i ON i.account_id = a.id WHERE i.connection_id = $connection AND i.subject = $subject',
        { connection: connectionId, subject },
      ),
    );
  }

  async unlinkConnection(connectionId: string) {
    return this.db.transaction(() => {
      const rows = this.db.all<{ account_id: string }>(
        'SELECT DISTINCT account_id FROM account_identities WHERE connection_id = $connection',
        { connection: connectionId },
      );
      for (const { account_id: id } of rows) {
        const account = this.read(id)!;
        const kept = { ...account, identities: account.identities.filter((i) => i.connectionId !== connectionId) };
        this.db.run('UPDATE accounts SET doc = $doc WHERE id = $id', { id, doc: JSON.stringify(kept) });
        this.writeIdentities(kept);
      }
      return rows.length;
    });
  }

  /** The identities table mirrors the record's list, so (connection, subject) stays unique across accounts. */
  private writeIdentities(account: Account): void {
    this.db.run('DELETE FROM account_identities WHERE account_id = $id', { id: account.id });
    for (const identity of account.identities ?? []) {
      this.db.run(
        'INSERT INTO account_identities (connection_id, subject, account_id) VALUES ($connection, $subject, $id)',
        { connection: identity.connectionId, subject: identity.subject, id: account.id },
        'identity',
      );
    }
  }

  async findById(id: string) {
    return this.byId.read(id, () => this.read(id));
  }

  async findByEmail(tenantId: string, emailNormalized: string) {
    return toAccount(
      this.db.get<DocRow>('SELECT doc FROM accounts WHERE tenant_id = $tenant AND email_normalized = $email', {
        tenant: tenantId,
        email: emailNormalized,
      }),
    );
  }

  async findByPersonalNumber(tenantId: string, hash: string) {
    return toAccount(
      this.db.get<DocRow>('SELECT doc FROM accounts WHERE tenant_id = $tenant AND personal_number_hash = $hash', {
        tenant: tenantId,
        hash,
      }),
    );
  }

  async findAllByEmail(emailNormalized: string) {
    return this.db
      .all<DocRow>('SELECT doc FROM accounts WHERE email_normalized = $email ORDER BY id', { email: emailNormalized })
      .map((row) => toAccount(row)!);
  }

  async listByTenant(tenantId: string, page: Page) {
    return this.db
      .all<DocRow>('SELECT doc FROM accounts WHERE tenant_id = $tenant AND id > $after ORDER BY id LIMIT $limit', {
        tenant: tenantId,
        after: page.after ?? '',
        limit: page.limit,
      })
      .map((row) => toAccount(row)!);
  }

  async search(tenantId: string, search: AccountSearch) {
    const q = search.q ? normalizeSearch(search.q) : '';
    return this.db
      .all<DocRow>(
        `SELECT a.doc FROM accounts a WHERE a.tenant_id = $tenant AND a.id > $after
         AND ($q = '' OR a.id IN (SELECT account_id FROM account_search_terms WHERE tenant_id = $tenant AND term >= $q AND term < $qEnd))
         AND ($state = '' OR json_extract(a.doc, '$.state') = $state)
         AND ($mfa = -1 OR (json_extract(a.doc, '$.totp') IS NOT NULL) = $mfa)
         ORDER BY a.id LIMIT $limit`,
        {
          tenant: tenantId,
          after: search.after ?? '',
          q,
          qEnd: prefixEnd(q),
          state: search.state ?? '',
          mfa: search.mfa === undefined ? -1 : search.mfa ? 1 : 0,
          limit: search.limit,
        },
      )
      .map((row) => toAccount(row)!);
  }

  /** The terms table mirrors the record's e-mail and name, the index behind search. */
  private writeSearchTerms(account: Account): void {
    this.db.run('DELETE FROM account_search_terms WHERE account_id = $id', { id: account.id });
    for (const term of searchTermsOf(account)) {
      this.db.run('INSERT OR IGNORE INTO account_search_terms (tenant_id, term, account_id) VALUES ($tenant, $term, $id)', {
        tenant: account.tenantId,
        term,
        id: account.id,
      });
    }
  }

  /** The read and the write share one IMMEDIATE transaction, so other processes wait between them. */
  async update(id: string, change: AccountChange) {
    return this.db.transaction(() => {
      const before = this.read(id);
      const after = before && change(before);
      if (!before || !after) return null;
      this.db.run(
        'UPDATE accounts SET tenant_id = $tenant, email_normalized = $email, personal_number_hash = $pnr, doc = $doc WHERE id = $id',
        {
          id,
          tenant: after.tenantId,
          email: after.emailNormalized,
          pnr: after.personalNumber?.hash ?? null,
          doc: JSON.stringify({ ...after, id }),
        },
        'account',
      );
      this.writeIdentities({ ...after, id });
      this.writeSearchTerms({ ...after, id });
      return { before, after };
    });
  }

  async delete(id: string) {
    return this.db.run('DELETE FROM accounts WHERE id = $id', { id }).changes > 0;
  }

  async deleteByTenant(tenantId: string) {
    return this.db.run('DELETE FROM accounts WHERE tenant_id = $tenant', { tenant: tenantId }).changes;
  }

  private read(id: string): Account | null {
    return toAccount(this.db.get<DocRow>('SELECT doc FROM accounts WHERE id = $id', { id }));
  }
}

export class SqliteClients implements ClientRepository {
  constructor(private readonly db: Database) {}

  async insert(client: Client) {
    this.db.run('INSERT INTO clients (id, doc) VALUES ($id, $doc)', { id: client.id, doc: JSON.stringify(client) }, 'client');
  }

  async findById(id: string) {
    const client = parseDoc<Client>(this.db.get<DocRow>('SELECT doc FROM clients WHERE id = $id', { id }));
    return client && withClientDefaults(client);
  }

  async list(page: Page) {
    return parseDocs<Client>(
      this.db.all<DocRow>('SELECT doc FROM clients WHERE id > $after ORDER BY id LIMIT $limit', {
        after: page.after ?? '',
        limit: page.limit,
      }),
    ).map(withClientDefaults);
  }

  async replace(client: Client) {
    return this.db.run('UPDATE clients SET doc = $doc WHERE id = $id', { id: client.id, doc: JSON.stringify(client) }).changes > 0;
  }

  async delete(id: string) {
    return this.db.run('DELETE FROM clients WHERE id = $id', { id }).changes > 0;
  }

  revision() {
    return this.db.revision('clients');
  }
}

export class SqliteAudit implements AuditRepository {
  constructor(private readonly db: Database) {}

  /** The head is read inside the IMMEDIATE transaction, so another process's append waits for this one. */
  async append(event: UnsealedEvent, seal: (event: UnsealedEvent, head: ChainHead | null) => AuditEvent) {
    const chain = chainOf(event.tenantId);
    return this.db.transaction(() => {
      const head = this.db.get<{ doc: string }>('SELECT doc FROM audit_events WHERE chain = $chain ORDER BY seq DESC LIMIT 1', { chain });
      const last = head ? (JSON.parse(head.doc) as AuditEvent) : null;
      const sealed = seal(event, last && { seq: last.seq, hash: last.hash });
      this.db.run('INSERT INTO audit_events (id, tenant_id, action, chain, seq, doc) VALUES ($id, $tenant, $action, $chain, $seq, $doc)', {
        id: sealed.id,
        tenant: sealed.tenantId,
        action: sealed.action,
        chain,
        seq: sealed.seq,
        doc: JSON.stringify(sealed),
      });
      return sealed;
    });
  }

  async list(query: AuditQuery) {
    return parseDocs<AuditEvent>(
      this.db.all<DocRow>(
        `SELECT doc FROM audit_events
       WHERE ($tenant IS NULL OR tenant_id = $tenant) AND ($action IS NULL OR action = $action)
         AND ($before IS NULL OR id < $before)
         AND ($since IS NULL OR json_extract(doc, '$.time') >= $since) AND ($until IS NULL OR json_extract(doc, '$.time') < $until)
         AND ($actor IS NULL OR json_extract(doc, '$.actor.id') = $actor)
         AND ($target IS NULL OR json_extract(doc, '$.target.id') = $target)
         AND ($outcome IS NULL OR json_extract(doc, '$.outcome') = $outcome)
       ORDER BY id DESC LIMIT $limit`,
        {
          tenant: query.tenantId ?? null,
          action: query.action ?? null,
          before: query.before ?? null,
          limit: query.limit,
          since: query.since ?? null,
          until: query.until ?? null,
          actor: query.actorId ?? null,
          target: query.targetId ?? null,
          outcome: query.outcome ?? null,
        },
      ),
    );
  }

  async chain(chain: string, afterSeq: number, limit: number) {
    return parseDocs<AuditEvent>(
      this.db.all<DocRow>('SELECT doc FROM audit_events WHERE chain = $chain AND seq > $after ORDER BY seq LIMIT $limit', {
        chain,
        after: afterSeq,
        limit,
      }),
    );
  }

  async heads() {
    const rows = this.db.all<{ chain: string; doc: string }>(
      `SELECT e.chain, e.doc FROM audit_events e
       JOIN (SELECT chain, MAX(seq) AS seq FROM audit_events WHERE chain IS NOT NULL GROUP BY chain) h ON h.chain = e.chain AND h.seq = e.seq`,
    );
    return Object.fromEntries(
      rows.map((row) => {
        const event = JSON.parse(row.doc) as AuditEvent;
        return [row.chain, { seq: event.seq, hash: event.hash }];
      }),
    );
  }

  async deleteChain(chain: string) {
    return this.db.run('DELETE FROM audit_events WHERE chain = $chain', { chain }).changes;
  }
}

export class SqliteConnections implements ConnectionRepository {
  constructor(private readonly db: Database) {}

  async insert(connection: Connection) {
    this.db.run(
      'INSERT INTO connections (id, tenant_id, doc) VALUES ($id, $tenant, $doc)',
      { id: connection.id, tenant: connection.tenantId, doc: JSON.stringify(connection) },
      'connection',
    );
  }

  async findById(id: string) {
    return parseDoc<Connection>(this.db.get<DocRow>('SELECT doc FROM connections WHERE id = $id', { id }));
  }

  async listByTenant(tenantId: string) {
    return parseDocs<Connection>(
      this.db.all<DocRow>('SELECT doc FROM connections WHERE tenant_id = $tenant ORDER BY id', { tenant: tenantId }),
    );
  }

  async replace(connection: Connection) {
    return (
      this.db.run('UPDATE connections SET doc = $doc WHERE id = $id', { id: connection.id, doc: JSON.stringify(connection) }).changes > 0
    );
  }

  async delete(id: string) {
    return this.db.run('DELETE FROM connections WHERE id = $id', { id }).changes > 0;
  }
}
