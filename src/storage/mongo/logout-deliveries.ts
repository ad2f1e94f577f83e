import type { Collection, Db } from 'mongodb';
import type { LogoutDelivery, LogoutDeliveryRepository } from '../../oidc/repository.js';

type DeliveryDoc = Omit<LogoutDelivery, 'id'> & { _id: string };

export class MongoLogoutDeliveries implements LogoutDeliveryRepository {
  private readonly deliveries: Collection<DeliveryDoc>;

  constructor(db: Db) {
    this.deliveries = db.collection('logout_deliveries');
  }

  async enqueue(delivery: LogoutDelivery) {
    const { id, ...rest } = delivery;
    await this.deliveries.insertOne({ _id: id, ...rest });
  }

  /** Each claim is one findOneAndUpdate, so two nodes never claim the same delivery. */
  async claimDue(now: number, leaseUntil: number, limit: number) {
    const claimed: LogoutDelivery[] = [];
    while (claimed.length < limit) {
      const doc = await this.deliveries.findOneAndUpdate(
        { dueAt: { $lte: now } },
        { $set: { dueAt: leaseUntil } },
        { sort: { dueAt: 1 }, returnDocument: 'after' },
      );
      if (!doc) break;
      const { _id, ...rest } = doc;
      claimed.push({ id: _id, ...rest });
    }
    return claimed;
  }

  async reschedule(id: string, attempts: number, dueAt: number) {
    await this.deliveries.updateOne({ _id: id }, { $set: { attempts, dueAt } });
  }

  async remove(id: string) {
    await this.deliveries.deleteOne({ _id: id });
  }
}
