import type { Services } from '../services.js';
import { accountOperations } from './accounts.js';
import { clientOperations } from './clients.js';
import { connectionOperations } from './connections.js';
import { tenantOperations } from './tenants.js';
import { keyOperations } from './keys.js';

export type { Caller } from './caller.js';

/**
 * What administrators change, through the admin API or the CLI alike: each use case with its
 * audit entry, written once. Both front ends are thin adapters over these.
 */
export function adminOperations(services: Services) {
  return {
    tenants: tenantOperations(services),
    accounts: accountOperations(services),
    clients: clientOperations(services),
    connections: connectionOperations(services),
    keys: keyOperations(services),
  };
}

export type AdminOperations = ReturnType<typeof adminOperations>;
