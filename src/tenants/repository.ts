import type { Page } from '../paging.js';
import type { Tenant } from './types.js';

/** What the tenants capability needs from a store. */
export interface TenantRepository {
  /** @throws ConflictError when the slug is taken. */
  insert(tenant: Tenant): Promise<void>;
  findById(id: string): Promise<Tenant | null>;
  findBySlug(slug: string): Promise<Tenant | null>;
  /** Tenants that own this (lower-case) e-mail domain. */
  findByDomain(domain: string): Promise<Tenant[]>;
  list(page: Page): Promise<Tenant[]>;
  /** Replaces the stored record; false when it no longer exists. @throws ConflictError */
  replace(tenant: Tenant): Promise<boolean>;
  delete(id: string): Promise<boolean>;
}
