import { randomUUID } from 'node:crypto';
import type { Collection, Db } from 'mongodb';
import { withAccountDefaults, type Account } from '../../accounts/types.js';
import type { AccountChange, AccountRepository } from '../../accounts/repository.js';
import type { Page } from '../../paging.js';
import { normalizeSearch, prefixEnd, searchTermsOf, type AccountSearch } from '../../accounts/search.js';
import { afterCursor, conflictAs, take, type Stored } from './documents.js';

/** `_rev` changes on every write; an update only lands if the revision it read is still there. */
type AccountDoc = Stored<Account> & { _rev?: string; searchTerms?: string[] };

/** Contention is short (one request's read-modify-write); this bound only stops a runaway loop. */
const MAX_UPDATE_TRIES = 1000;

function toAccount(doc: AccountDoc | null): Account | null {
  if (!doc) return null;
  const { _id, _rev, searchTerms: _terms, ...rest } = doc;
  return withAccountDefaults({ id: _id, ...rest });
}

function toDoc(account: Account): AccountDoc {
  const { id, ...rest } = account;
  return { _id: id, ...rest, searchTerms: searchTermsOf(account), _rev: randomUUID() };
}

export class MongoAccounts implements AccountRepository {
  private readonly accounts: Collection<AccountDoc>;

  constructor(db: Db) {
    this.accounts = db.collection('accounts');
  }

  async insert(account: Account) {
    await conflictAs('account', () => this.accounts.insertOne(toDoc(account)));
  }

  async findById(id: string) {
    return toAccount(await this.accounts.findOne({ _id: id }));
  }

  async findByEmail(tenantId: string, emailNormalized: string) {
    return toAccount(await this.accounts.findOne({ tenantId, emailNormalized }));
  }

  async findByPersonalNumber(tenantId: string, hash: string) {
    // The $type repeats the partial index's filter, so that the planner may use that index.
    return toAccount(await this.accounts.findOne({ tenantId, 'personalNumber.hash': { $eq: hash, $type: 'string' } }));
  }

  async findAllByEmail(emailNormalized: string) {
    const docs = await this.accounts.find({ emailNormalized }).sort({ _id: 1 }).toArray();
    return docs.map((doc) => toAccount(doc)!);
  }

  async findByIdentity(connectionId: string, subject: string) {
    return toAccount(await this.accounts.findOne({ identities: { $elemMatch: { connectionId, subject } } }));
  }

  async unlinkConnection(connectionId: string) {
    const result = await this.accounts.updateMany(
      { 'identities.connectionId': connectionId },
      { $pull: { identities: { connectionId } }, $set: { _rev: randomUUID() } },
    );
    return result.modifiedCount;
  }

  async listByTenant(tenantId: string, page: Page) {
    const cursor = this.accounts.find({ tenantId, ...afterCursor(page.after) }).sort({ _id: 1 });
    return (await take(cursor, page.limit)).map((doc) => toAccount(doc)!);
  }

  async search(tenantId: string, search: AccountSearch) {
    const q = search.q ? normalizeSearch(search.q) : '';
    const filter = {
      tenantId,
      ...afterCursor(search.after),
      ...(q ? { searchTerms: { $elemMatch: { $gte: q, $lt: prefixEnd(q) } } } : {}),
      ...(search.state ? { state: search.state } : {}),
      ...(search.mfa === undefined ? {} : search.mfa ? { totp: { $ne: null } } : { totp: null }),
    };
    const cursor = this.accounts.find(filter).sort({ _id: 1 });
    return (await take(cursor, search.limit)).map((doc) => toAccount(doc)!);
  }

  /** Optimistic concurrency: read, change, write only if untouched since; otherwise read again. */
  async update(id: string, change: AccountChange) {
    for (let attempt = 0; attempt < MAX_UPDATE_TRIES; attempt += 1) {
      const current = await this.accounts.findOne({ _id: id });
      const before = toAccount(current);
      const after = before && change(before);
      if (!current || !before || !after) return null;
      const unchanged = current._rev === undefined ? { _id: id, _rev: { $exists: false } } : { _id: id, _rev: current._rev };
      const result = await conflictAs('account', () => this.accounts.replaceOne(unchanged, toDoc({ ...after, id })));
      if (result.matchedCount === 1) return { before, after };
      // Lost the race: back off a little (randomly, growing) so a burst of writers spreads out.
      if (attempt >= 2) await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(50, attempt * 2)));
    }
    throw new Error(`account ${id}: too much write contention`);
  }

  async delete(id: string) {
    return (await this.accounts.deleteOne({ _id: id })).deletedCount > 0;
  }

  async deleteByTenant(tenantId: string) {
    return (await this.accounts.deleteMany({ tenantId })).deletedCount;
  }
}
