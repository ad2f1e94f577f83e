import type { Page } from '../paging.js';
import type { Client } from './types.js';

/** What the clients capability needs from a store. */
export interface ClientRepository {
  /** @throws ConflictError when the id is taken. */
  insert(client: Client): Promise<void>;
  findById(id: string): Promise<Client | null>;
  list(page: Page): Promise<Client[]>;
  replace(client: Client): Promise<boolean>;
  delete(id: string): Promise<boolean>;
  /**
   * A number that moves with every change to any client, made by any process, so a node may keep
   * clients in memory while it stays the same; null where the store cannot tell (nothing is kept).
   * Answered from what the store knows at once (never waits): it is read before every lookup.
   */
  revision(): number | null;
}
