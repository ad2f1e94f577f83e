import type { Collection, Db } from 'mongodb';
import type { OneTimeToken } from '../../links/types.js';
import type { OneTimeTokenRepository } from '../../links/repository.js';
import { conflictAs } from './documents.js';

type TokenDoc = Omit<OneTimeToken, 'hash'> & { _id: string; expiresAtDate: Date };

function toToken(doc: TokenDoc | null): OneTimeToken | null {
  if (!doc) return null;
  const { _id, expiresAtDate: _expiry, ...rest } = doc;
  return { hash: _id, ...rest };
}

export class MongoTokens implements OneTimeTokenRepository {
  private readonly tokens: Collection<TokenDoc>;

  constructor(db: Db) {
    this.tokens = db.collection('one_time_tokens');
  }

  async insert(token: OneTimeToken) {
    const { hash, ...rest } = token;
    await conflictAs('token', () => this.tokens.insertOne({ _id: hash, ...rest, expiresAtDate: new Date(token.expiresAt) }));
  }

  async findByHash(hash: string) {
    return toToken(await this.tokens.findOne({ _id: hash }));
  }

  async use(hash: string, at: string) {
    const result = await this.tokens.updateOne({ _id: hash, usedAt: null, expiresAt: { $gt: at } }, { $set: { usedAt: at } });
    return result.modifiedCount === 1;
  }

  async voidOthers(accountId: string, kind: OneTimeToken['kind'], keepHash: string) {
    return (await this.tokens.deleteMany({ accountId, kind, _id: { $ne: keepHash } })).deletedCount;
  }

  async purgeExpired(now: string) {
    return (await this.tokens.deleteMany({ expiresAt: { $lte: now } })).deletedCount;
  }
}
