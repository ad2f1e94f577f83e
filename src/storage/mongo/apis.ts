import type { Collection, Db } from 'mongodb';
import type { ApiRepository } from '../../apis/repository.js';
import type { Api } from '../../apis/types.js';
import type { Page } from '../../paging.js';
import { afterCursor, conflictAs, fromStored, fromStoredOrNull, take, toStored, type Stored } from './documents.js';

export class MongoApis implements ApiRepository {
  private readonly apis: Collection<Stored<Api>>;

  constructor(db: Db) {
    this.apis = db.collection('apis');
  }

  async insert(api: Api) {
    await conflictAs('api', () => this.apis.insertOne(toStored(api)));
  }

  async findById(id: string) {
    return fromStoredOrNull<Api>(await this.apis.findOne({ _id: id }));
  }

  async findByIdentifier(identifier: string) {
    return fromStoredOrNull<Api>(await this.apis.findOne({ identifier }));
  }

  async list(page: Page) {
    const docs = await take(this.apis.find(afterCursor(page.after)).sort({ _id: 1 }), page.limit);
    return docs.map((doc) => fromStored<Api>(doc));
  }

  /** The identifier is fixed once created, so it is kept from the stored document. */
  async replace(api: Api) {
    const { _id, identifier: _fixed, ...rest } = toStored(api);
    const result = await this.apis.updateOne({ _id }, { $set: rest });
    return result.matchedCount > 0;
  }

  async delete(id: string) {
    return (await this.apis.deleteOne({ _id: id })).deletedCount > 0;
  }
}
