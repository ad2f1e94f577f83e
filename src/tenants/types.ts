import { DEFAULT_TENANT_POLICY } from '../policy/defaults.js';
import type { TenantPolicy } from '../policy/types.js';

export type TenantState = 'active' | 'scheduled_for_deletion';

export interface Tenant {
  id: string;
  /** Url-safe, unique, used in the `tenant` authorization parameter and the `tenant` claim. */
  slug: string;
  name: string;
  /** Lower-case e-mail domains this tenant owns. */
  domains: string[];
  state: TenantState;
  policy: TenantPolicy;
  createdAt: string;
  updatedAt: string;
}

/** Fields added after the first release get their defaults when an older record is read. */
export function withTenantDefaults(stored: Omit<Tenant, 'policy'> & { policy?: Partial<TenantPolicy> }): Tenant {
  return {
    ...stored,
    policy: {
      password: { ...DEFAULT_TENANT_POLICY.password, ...stored.policy?.password },
      lockout: { ...DEFAULT_TENANT_POLICY.lockout, ...stored.policy?.lockout },
    },
  };
}
