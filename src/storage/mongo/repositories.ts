import type { Collection, Db, Filter } from 'mongodb';
import type { AuditEvent, AuditQuery, ChainHead } from '../../audit/types.js';
import { chainOf, type UnsealedEvent } from '../../audit/chain.js';
import { withClientDefaults, type Client } from '../../clients/types.js';
import { withTenantDefaults, type Tenant, type TenantState } from '../../tenants/types.js';
import type { Connection } from '../../federation/types.js';
import type { ConnectionRepository } from '../../federation/repository.js';
import type { AuditRepository } from '../../audit/repository.js';
import type { ClientRepository } from '../../clients/repository.js';
import type { Page } from '../../paging.js';
import type { TenantRepository } from '../../tenants/repository.js';
import { afterCursor, conflictAs, fromStored, fromStoredOrNull, take, toStored, type Stored } from './documents.js';

const toTenant = (doc: Stored<Tenant> | null) => (doc ? withTenantDefaults(fromStored<Tenant>(doc)) : null);

export class MongoTenants implements TenantRepository {
  private readonly tenants: Collection<Stored<Tenant>>;

  constructor(db: Db) {
    this.tenants = db.collection('tenants');
  }

  async insert(tenant: Tenant) {
    await conflictAs('tenant', () => this.tenants.insertOne(toStored(tenant)));
  }

  async findById(id: string) {
    return toTenant(await this.tenants.findOne({ _id: id }));
  }

  async findBySlug(slug: string) {
    return toTenant(await this.tenants.findOne({ slug }));
  }

  async findByDomain(domain: string) {
    const docs = await this.tenants.find({ domains: domain }).sort({ _id: 1 }).toArray();
    return docs.map((doc) => toTenant(doc)!);
  }

  async list(page: Page) {
    const docs = await take(this.tenants.find(afterCursor(page.after)).sort({ _id: 1 }), page.limit);
    return docs.map((doc) => toTenant(doc)!);
  }

  async replace(tenant: Tenant, expectedState: TenantState) {
    const result = await conflictAs('tenant', () => this.tenants.replaceOne({ _id: tenant.id, state: expectedState }, toStored(tenant)));
    return result.matchedCount > 0;
  }

  async delete(id: string) {
    return (await this.tenants.deleteOne({ _id: id })).deletedCount > 0;
  }

  async listDueForPurge(now: string, page: Page) {
    const docs = await take(
      this.tenants.find({ ...afterCursor(page.after), state: 'scheduled_for_deletion', purgeAfter: { $lte: now } }).sort({ _id: 1 }),
      page.limit,
    );
    return docs.map((doc) => toTenant(doc)!);
  }

  /** One conditional update: of racing nodes, one matches the document. */
  async claimPurge(id: string, now: string, leaseUntil: string) {
    const result = await this.tenants.updateOne(
      {
        _id: id,
        state: 'scheduled_for_deletion',
        purgeAfter: { $lte: now },
        $or: [{ purgeLeaseUntil: null }, { purgeLeaseUntil: { $lt: now } }],
      },
      { $set: { purgeLeaseUntil: leaseUntil } },
    );
    return result.modifiedCount === 1;
  }

  async cancelDeletion(id: string, now: string) {
    const result = await this.tenants.updateOne(
      { _id: id, state: 'scheduled_for_deletion', $or: [{ purgeLeaseUntil: null }, { purgeLeaseUntil: { $lt: now } }] },
      { $set: { state: 'active', purgeAfter: null, purgeLeaseUntil: null, updatedAt: now } },
    );
    return result.modifiedCount === 1;
  }
}

export class MongoClients implements ClientRepository {
  private readonly clients: Collection<Stored<Client>>;

  constructor(db: Db) {
    this.clients = db.collection('clients');
  }

  async insert(client: Client) {
    await conflictAs('client', () => this.clients.insertOne(toStored(client)));
  }

  async findById(id: string) {
    const client = fromStoredOrNull<Client>(await this.clients.findOne({ _id: id }));
    return client && withClientDefaults(client);
  }

  async list(page: Page) {
    const docs = await take(this.clients.find(afterCursor(page.after)).sort({ _id: 1 }), page.limit);
    return docs.map((doc) => withClientDefaults(fromStored<Client>(doc)));
  }

  async replace(client: Client) {
    const result = await conflictAs('client', () => this.clients.replaceOne({ _id: client.id }, toStored(client)));
    return result.matchedCount > 0;
  }

  async delete(id: string) {
    return (await this.clients.deleteOne({ _id: id })).deletedCount > 0;
  }

  /** Several nodes write one database and nothing here tells them of each other's changes: every read goes to the store. */
  revision() {
    return null;
  }
}

type StoredEvent = Stored<AuditEvent> & { chain: string };
const APPEND_ATTEMPTS = 50;

const toEvent = (doc: StoredEvent): AuditEvent => {
  const { chain: _chain, ...rest } = doc;
  return fromStored<AuditEvent>(rest);
};

export class MongoAudit implements AuditRepository {
  private readonly events: Collection<StoredEvent>;

  constructor(db: Db) {
    this.events = db.collection('audit_events');
  }

  /**
   * Optimistic: read the head, insert the next seq; the unique (chain, seq) index lets only one of
   * two parallel writers win a seq, and the other reads the new head and tries again.
   */
  async append(event: UnsealedEvent, seal: (event: UnsealedEvent, head: ChainHead | null) => AuditEvent) {
    const chain = chainOf(event.tenantId);
    for (let attempt = 1; ; attempt += 1) {
      const head = await this.events.findOne({ chain }, { sort: { seq: -1 } });
      const sealed = seal(event, head && { seq: head.seq, hash: head.hash });
      try {
        await this.events.insertOne({ ...toStored(sealed), chain });
        return sealed;
      } catch (error) {
        if ((error as { code?: unknown }).code !== 11000 || attempt >= APPEND_ATTEMPTS) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
      }
    }
  }

  async list(query: AuditQuery) {
    const filter: Filter<StoredEvent> = {};
    if (query.tenantId !== undefined) filter.tenantId = query.tenantId;
    if (query.action !== undefined) filter.action = query.action;
    if (query.before !== undefined) filter._id = { $lt: query.before };
    if (query.since !== undefined || query.until !== undefined) {
      filter.time = {
        ...(query.since !== undefined ? { $gte: query.since } : {}),
        ...(query.until !== undefined ? { $lt: query.until } : {}),
      };
    }
    if (query.actorId !== undefined) filter['actor.id'] = query.actorId;
    if (query.targetId !== undefined) filter['target.id'] = query.targetId;
    if (query.outcome !== undefined) filter.outcome = query.outcome;
    const docs = await take(this.events.find(filter).sort({ _id: -1 }), query.limit);
    return docs.map(toEvent);
  }

  async chain(chain: string, afterSeq: number, limit: number) {
    const docs = await take(this.events.find({ chain, seq: { $gt: afterSeq } }).sort({ seq: 1 }), limit);
    return docs.map(toEvent);
  }

  async heads() {
    const rows = await this.events
      .aggregate<{ _id: string; seq: number; hash: string }>([
        { $match: { chain: { $exists: true } } },
        { $sort: { chain: 1, seq: -1 } },
        { $group: { _id: '$chain', seq: { $first: '$seq' }, hash: { $first: '$hash' } } },
      ])
      .toArray();
    return Object.fromEntries(rows.map((row) => [row._id, { seq: row.seq, hash: row.hash }]));
  }

  async deleteChain(chain: string) {
    return (await this.events.deleteMany({ chain })).deletedCount;
  }
}

export class MongoConnections implements ConnectionRepository {
  private readonly connections: Collection<Stored<Connection>>;

  constructor(db: Db) {
    this.connections = db.collection('connections');
  }

  async insert(connection: Connection) {
    await conflictAs('connection', () => this.connections.insertOne(toStored(connection)));
  }

  async findById(id: string) {
    return fromStoredOrNull<Connection>(await this.connections.findOne({ _id: id }));
  }

  async listByTenant(tenantId: string) {
    return (await this.connections.find({ tenantId }).sort({ _id: 1 }).toArray()).map(fromStored<Connection>);
  }

  async replace(connection: Connection) {
    return (await this.connections.replaceOne({ _id: connection.id }, toStored(connection))).matchedCount > 0;
  }

  async delete(id: string) {
    return (await this.connections.deleteOne({ _id: id })).deletedCount > 0;
  }
}
