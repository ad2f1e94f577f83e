import type { Page } from '../paging.js';
import type { Tenant, TenantState } from './types.js';

/** What the tenants capability needs from a store. */
export interface TenantRepository {
  /** @throws ConflictError when the slug is taken. */
  insert(tenant: Tenant): Promise<void>;
  findById(id: string): Promise<Tenant | null>;
  findBySlug(slug: string): Promise<Tenant | null>;
  /** Tenants that own this (lower-case) e-mail domain. */
  findByDomain(domain: string): Promise<Tenant[]>;
  list(page: Page): Promise<Tenant[]>;
  /**
   * Replaces the stored record only while its stored state is still `expectedState` (a change read
   * from an active tenant must not undo a deletion scheduled meanwhile, and two deletions cannot both
   * win); false when it no longer exists or its state moved. @throws ConflictError on a taken slug
   */
  replace(tenant: Tenant, expectedState: TenantState): Promise<boolean>;
  delete(id: string): Promise<boolean>;
  /** Tenants scheduled for deletion whose purgeAfter is at or before `now`, by id. */
  listDueForPurge(now: string, page: Page): Promise<Tenant[]>;
  /**
   * Claims a due tenant for purging, atomically: true for exactly one caller among nodes racing,
   * and only while the tenant is scheduled, due, and no other claim holds (an expired claim may be
   * taken over, so an interrupted purge resumes).
   */
  claimPurge(id: string, now: string, leaseUntil: string): Promise<boolean>;
  /**
   * Cancels a scheduled deletion atomically: state active again, purgeAfter cleared; false when the
   * tenant is not scheduled or a purge holds its claim.
   */
  cancelDeletion(id: string, now: string): Promise<boolean>;
}
