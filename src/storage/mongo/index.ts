import type { Storage } from '../port.js';

export async function openMongoStorage(_url: string): Promise<Storage> {
  throw new Error('MongoDB adapter not written yet');
}
