import type { Collection, Db, Filter } from 'mongodb';
import type { AuditEvent, AuditQuery } from '../../audit/types.js';
import { withClientDefaults, type Client } from '../../clients/types.js';
import { withTenantDefaults, type Tenant } from '../../tenants/types.js';
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

  async replace(tenant: Tenant) {
    const result = await conflictAs('tenant', () => this.tenants.replaceOne({ _id: tenant.id }, toStored(tenant)));
    return result.matchedCount > 0;
  }

  async delete(id: string) {
    return (await this.tenants.deleteOne({ _id: id })).deletedCount > 0;
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
}

export class MongoAudit implements AuditRepository {
  private readonly events: Collection<Stored<AuditEvent>>;

  constructor(db: Db) {
    this.events = db.collection('audit_events');
  }

  async append(event: AuditEvent) {
    await conflictAs('audit event', () => this.events.insertOne(toStored(event)));
  }

  async list(query: AuditQuery) {
    const filter: Filter<Stored<AuditEvent>> = {};
    if (query.tenantId !== undefined) filter.tenantId = query.tenantId;
    if (query.action !== undefined) filter.action = query.action;
    if (query.before !== undefined) filter._id = { $lt: query.before };
    const docs = await take(this.events.find(filter).sort({ _id: -1 }), query.limit);
    return docs.map(fromStored<AuditEvent>);
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
