export type TenantState = 'active' | 'scheduled_for_deletion';

export interface Tenant {
  id: string;
  /** Url-safe, unique, used in the `tenant` authorization parameter and the `tenant` claim. */
  slug: string;
  name: string;
  /** Lower-case e-mail domains this tenant owns. */
  domains: string[];
  state: TenantState;
  createdAt: string;
  updatedAt: string;
}
