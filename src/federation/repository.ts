import type { Connection } from './types.js';

/** What the federation capability needs from a store (connections; identity links live on accounts). */
export interface ConnectionRepository {
  insert(connection: Connection): Promise<void>;
  findById(id: string): Promise<Connection | null>;
  listByTenant(tenantId: string): Promise<Connection[]>;
  replace(connection: Connection): Promise<boolean>;
  delete(id: string): Promise<boolean>;
}
