import type { RoleAssignment, SupportGrant } from './types.js';

/** What the roles capability needs from a store. */
export interface RoleRepository {
  listByAccount(accountId: string): Promise<RoleAssignment[]>;
  /** Every assignment naming this tenant, in account order. */
  listByTenant(tenantId: string): Promise<RoleAssignment[]>;
  /** Replaces the account's whole set in one step (readers see the old set or the new one). */
  replaceForAccount(accountId: string, roles: RoleAssignment[]): Promise<void>;
  /** Removes every assignment of an account (it is deleted) or naming a tenant (it is purged); returns how many. */
  deleteByAccount(accountId: string): Promise<number>;
  deleteByTenant(tenantId: string): Promise<number>;
}

export interface SupportGrantRepository {
  insert(grant: SupportGrant): Promise<void>;
  findById(id: string): Promise<SupportGrant | null>;
  /** Newest first. */
  listByTenant(tenantId: string): Promise<SupportGrant[]>;
  /** Grants of this staff member not ended and expiring after `now` (ISO 8601). */
  listLiveForAccount(accountId: string, now: string): Promise<SupportGrant[]>;
  /**
   * Ends a grant that is neither ended nor expired at `now`, in one atomic step: of parallel calls one wins.
   * Resolves the ended grant, or null when there was nothing live to end.
   */
  end(id: string, now: string, endedBy: string): Promise<SupportGrant | null>;
  deleteByTenant(tenantId: string): Promise<number>;
}
