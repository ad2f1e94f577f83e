import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { databaseNameIn, openMongoStorage } from '../../src/storage/mongo/index.js';
import { storageContract } from './contract.js';

const url = process.env.TEST_MONGODB_URL;
const SKIPPED = 'MongoDB contract suite skipped: TEST_MONGODB_URL is not set';

if (url) {
  describe('MongoDB storage (TEST_MONGODB_URL)', () => {
    if (databaseNameIn(url)) {
      throw new Error('TEST_MONGODB_URL must not name a database: each test opens its own, and they are dropped after the suite');
    }
    const run = randomUUID().slice(0, 8);
    const opened: string[] = [];
    afterAll(async () => {
      const client = new MongoClient(url);
      try {
        for (const name of opened) await client.db(name).dropDatabase();
      } finally {
        await client.close();
      }
    });
    storageContract(async () => {
      const dbName = `idp_test_${run}_${opened.length + 1}`;
      opened.push(dbName);
      return openMongoStorage(url, { dbName });
    });
  });
} else {
  test(SKIPPED, () => {
    console.warn(SKIPPED);
    expect(process.env.TEST_MONGODB_URL).toBeUndefined();
  });
}
