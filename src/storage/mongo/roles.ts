import type { Collection, Db } from 'mongodb';
import type { RoleRepository, SupportGrantRepository } from '../../roles/repository.js';
import type { RoleAssignment, SupportGrant } from '../../roles/types.js';
import { fromStored, fromStoredOrNull, toStored, conflictAs, type Stored } from './documents.js';

/** One document per account holding its whole set, so a replacement is one atomic write. */
type RoleSetDoc = { _id: string; roles: Omit<RoleAssignment, 'accountId'>[] };

export class MongoRoles implements RoleRepository {
  private readonly sets: Collection<RoleSetDoc>;

  constructor(db: Db) {
    this.sets = db.collection('role_assignments');
  }

  async listByAccount(accountId: string) {
    const doc = await this.sets.findOne({ _id: accountId });
    return (doc?.roles ?? []).map((r) => ({ ...r, accountId })).sort(byRoleThenTenant);
  }

  async listByTenant(tenantId: string) {
    const docs = await this.sets.find({ 'roles.tenantId': tenantId }).sort({ _id: 1 }).toArray();
    return docs.flatMap((doc) =>
      doc.roles
        .filter((r) => r.tenantId === tenantId)
        .map((r) => ({ ...r, accountId: doc._id }))
        .sort(byRoleThenTenant),
    );
  }

  async replaceForAccount(accountId: string, roles: RoleAssignment[]) {
    if (roles.length === 0) {
      await this.sets.deleteOne({ _id: accountId });
      return;
    }
    const stored = roles.map(({ role, tenantId, grantedAt }) => ({ role, tenantId, grantedAt }));
    await this.sets.replaceOne({ _id: accountId }, { roles: stored }, { upsert: true });
  }

  async deleteByAccount(accountId: string) {
    const doc = await this.sets.findOneAndDelete({ _id: accountId });
    return doc?.roles.length ?? 0;
  }

  async deleteByTenant(tenantId: string) {
    const docs = await this.sets.find({ 'roles.tenantId': tenantId }).toArray();
    const count = docs.reduce((n, doc) => n + doc.roles.filter((r) => r.tenantId === tenantId).length, 0);
    await this.sets.updateMany({ 'roles.tenantId': tenantId }, { $pull: { roles: { tenantId } } });
    await this.sets.deleteMany({ roles: { $size: 0 } });
    return count;
  }
}

function byRoleThenTenant(a: RoleAssignment, b: RoleAssignment): number {
  return a.role === b.role ? (a.tenantId ?? '').localeCompare(b.tenantId ?? '') : a.role.localeCompare(b.role);
}

export class MongoSupportGrants implements SupportGrantRepository {
  private readonly grants: Collection<Stored<SupportGrant>>;

  constructor(db: Db) {
    this.grants = db.collection('support_grants');
  }

  async insert(grant: SupportGrant) {
    await conflictAs('support grant', () => this.grants.insertOne(toStored(grant)));
  }

  async findById(id: string) {
    return fromStoredOrNull<SupportGrant>(await this.grants.findOne({ _id: id }));
  }

  async listByTenant(tenantId: string) {
    const docs = await this.grants.find({ tenantId }).sort({ _id: -1 }).toArray();
    return docs.map((doc) => fromStored<SupportGrant>(doc));
  }

  async listLiveForAccount(accountId: string, now: string) {
    const docs = await this.grants
      .find({ staffAccountId: accountId, endedAt: null, expiresAt: { $gt: now } })
      .sort({ _id: 1 })
      .toArray();
    return docs.map((doc) => fromStored<SupportGrant>(doc));
  }

  /** One findOneAndUpdate with the liveness in its filter: of racing calls, one ends the grant. */
  async end(id: string, now: string, endedBy: string) {
    const doc = await this.grants.findOneAndUpdate(
      { _id: id, endedAt: null, expiresAt: { $gt: now } },
      { $set: { endedAt: now, endedBy } },
      { returnDocument: 'after' },
    );
    return fromStoredOrNull<SupportGrant>(doc);
  }

  async deleteByTenant(tenantId: string) {
    return (await this.grants.deleteMany({ tenantId })).deletedCount;
  }
}
