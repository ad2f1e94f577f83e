import type { ConnectionService } from './service.js';
import type { TenantService } from '../tenants/service.js';
import type { Tenant } from '../tenants/types.js';
import type { Connection } from './types.js';

/**
 * Home-realm discovery: which upstream, if any, an e-mail (or a tenant named by the app)
 * signs in through. A tenant's first enabled connection is its upstream.
 */
export class HomeRealm {
  constructor(
    private readonly tenants: TenantService,
    private readonly connections: ConnectionService,
  ) {}

  /** The upstream for this e-mail: its domain's owner tenant (within the requested tenant, if any). */
  async forEmail(email: string, requestedTenant: Tenant | null): Promise<{ tenant: Tenant; connection: Connection } | null> {
    const domain = email.split('@')[1]?.toLowerCase() ?? '';
    const owners = requestedTenant
      ? requestedTenant.domains.includes(domain) || !requestedTenant.passwordsAllowed
        ? [requestedTenant]
        : []
      : await this.tenants.findByDomain(domain);
    for (const tenant of owners) {
      const [connection] = await this.connections.enabledFor(tenant.id);
      if (connection && tenant.state === 'active') return { tenant, connection };
    }
    return null;
  }
}
