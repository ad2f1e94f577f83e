import type { Services } from '../services.js';
import { accountOperations } from './accounts.js';
import { auditOperations } from './audit.js';
import { tenantExportOperations } from './tenant-export.js';
import { clientOperations } from './clients.js';
import { connectionOperations } from './connections.js';
import { tenantOperations } from './tenants.js';
import { keyOperations } from './keys.js';
import { roleOperations } from './roles.js';
import { operatorOperations } from './operators.js';

export type { Caller } from './caller.js';

/**
 * What administrators change, through the admin API or the CLI alike: each use case with its
 * audit entry, written once. Both front ends are thin adapters over these.
 */
export interface OperationOptions {
  /** The operator's audit anchor file (AUDIT_ANCHOR_FILE): chain checks compare against it. */
  auditAnchorFile?: string;
}

export function adminOperations(services: Services, options: OperationOptions = {}) {
  return {
    tenants: tenantOperations(services),
    accounts: accountOperations(services),
    clients: clientOperations(services),
    connections: connectionOperations(services),
    audit: auditOperations(services, options.auditAnchorFile),
    tenantExport: tenantExportOperations(services),
    keys: keyOperations(services),
    roles: roleOperations(services),
    operators: operatorOperations(services),
  };
}

export type AdminOperations = ReturnType<typeof adminOperations>;
