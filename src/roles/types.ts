/**
 * Administrator roles (R12, least privilege). A role is held by a person's account or by an
 * admin client; tenant roles name the tenant they cover.
 */
export const ROLES = ['super-admin', 'tenant-admin', 'helpdesk', 'auditor'] as const;
export type RoleName = (typeof ROLES)[number];

/** super-admin covers everything, so it names no tenant; tenant-admin and helpdesk always name one; auditor either. */
export const ROLE_TENANCY: Record<RoleName, 'none' | 'required' | 'optional'> = {
  'super-admin': 'none',
  'tenant-admin': 'required',
  helpdesk: 'required',
  auditor: 'optional',
};

/** One role held by one holder; `tenantId` null covers every tenant (super-admin, an auditor of all). */
export interface RoleGrant {
  role: RoleName;
  tenantId: string | null;
}

/** A role held by an account, as stored. */
export interface RoleAssignment extends RoleGrant {
  accountId: string;
  grantedAt: string;
}

/**
 * Time-boxed support access (R12): a staff member acts as tenant-admin of one tenant until
 * `expiresAt`, for a stated reason and case, unless ended earlier.
 */
export interface SupportGrant {
  id: string;
  tenantId: string;
  staffAccountId: string;
  reason: string;
  caseReference: string;
  createdAt: string;
  /** The super-admin (account or client) who granted it, as `type:id`. */
  createdBy: string;
  expiresAt: string;
  endedAt: string | null;
  endedBy: string | null;
}

export function supportGrantLive(grant: SupportGrant, now: Date): boolean {
  return grant.endedAt === null && new Date(grant.expiresAt).getTime() > now.getTime();
}
