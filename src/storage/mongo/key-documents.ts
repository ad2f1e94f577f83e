import type { Collection, Db } from 'mongodb';
import type { KeyDocumentRepository } from '../../keys/repository.js';

interface KeyDoc {
  _id: string;
  sealed: string;
  version: number;
}

const DUPLICATE_KEY = 11000;

export class MongoKeyDocuments implements KeyDocumentRepository {
  private readonly docs: Collection<KeyDoc>;

  constructor(db: Db) {
    this.docs = db.collection('key_documents');
  }

  async read(name: string) {
    const doc = await this.docs.findOne({ _id: name });
    return doc ? { sealed: doc.sealed, version: doc.version } : undefined;
  }

  async create(name: string, sealed: string) {
    try {
      await this.docs.insertOne({ _id: name, sealed, version: 1 });
      return true;
    } catch (error) {
      if ((error as { code?: number }).code === DUPLICATE_KEY) return false;
      throw error;
    }
  }

  async replace(name: string, version: number, sealed: string) {
    return (await this.docs.updateOne({ _id: name, version }, { $set: { sealed }, $inc: { version: 1 } })).modifiedCount === 1;
  }
}
