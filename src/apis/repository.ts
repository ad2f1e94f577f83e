import type { Page } from '../paging.js';
import type { Api } from './types.js';

/** What the APIs capability needs from a store. */
export interface ApiRepository {
  /** @throws ConflictError when the id or the identifier is taken. */
  insert(api: Api): Promise<void>;
  findById(id: string): Promise<Api | null>;
  findByIdentifier(identifier: string): Promise<Api | null>;
  list(page: Page): Promise<Api[]>;
  replace(api: Api): Promise<boolean>;
  delete(id: string): Promise<boolean>;
}
