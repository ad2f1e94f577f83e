import type { Collection, Db } from 'mongodb';
import type { RateLimitRepository } from '../../throttle/repository.js';

interface RateLimitDoc {
  _id: string;
  count: number;
  expiresAt: Date;
}

export class MongoRateLimits implements RateLimitRepository {
  private readonly windows: Collection<RateLimitDoc>;

  constructor(db: Db) {
    this.windows = db.collection('rate_limits');
  }

  async hit(key: string, windowStart: number, expiresAt: number) {
    const doc = await this.windows.findOneAndUpdate(
      { _id: `${key}@${windowStart}` },
      { $inc: { count: 1 }, $setOnInsert: { expiresAt: new Date(expiresAt) } },
      { upsert: true, returnDocument: 'after' },
    );
    return doc!.count;
  }

  async deleteKeys(keys: string[]) {
    if (keys.length === 0) return 0;
    const escape = (key: string) => key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const pattern = new RegExp(`^(?:${keys.map(escape).join('|')})@\\d+$`);
    return (await this.windows.deleteMany({ _id: { $regex: pattern } })).deletedCount;
  }

  async purgeExpired(now: number) {
    return (await this.windows.deleteMany({ expiresAt: { $lte: new Date(now) } })).deletedCount;
  }
}
