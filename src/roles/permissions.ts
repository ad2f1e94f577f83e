import type { RoleGrant, RoleName } from './types.js';

/**
 * Every permission an admin endpoint can require. `tenant` permissions are checked against the
 * tenant the request names; `global` ones cover the whole service.
 */
export const PERMISSIONS = {
  'self.read': { scope: 'global', description: "read the caller's own roles and support grants" },
  'tenants.list': { scope: 'global', description: 'list the tenants the caller may see (the list is filtered)' },
  'tenants.create': { scope: 'global', description: 'create tenants' },
  'tenant.read': { scope: 'tenant', description: "read the tenant's settings" },
  'tenant.write': { scope: 'tenant', description: "change the tenant's name, domains, mail and links" },
  'tenant.lifecycle': { scope: 'tenant', description: 'schedule or cancel the deletion of the tenant' },
  'tenant.export': { scope: 'tenant', description: 'export everything the tenant owns' },
  'tenant.policy.read': { scope: 'tenant', description: 'read the password and lockout policy' },
  'tenant.policy.write': { scope: 'tenant', description: 'change the password and lockout policy' },
  'tenant.accounts.read': { scope: 'tenant', description: 'find and read accounts' },
  'tenant.accounts.write': { scope: 'tenant', description: 'create, change and delete accounts' },
  'tenant.accounts.support': { scope: 'tenant', description: 'unlock accounts, resend invitations, reset 2FA' },
  'tenant.roles.read': { scope: 'tenant', description: "read an account's roles" },
  'tenant.roles.write': { scope: 'tenant', description: "grant and revoke the tenant's roles to its accounts" },
  'tenant.connections.read': { scope: 'tenant', description: 'read upstream identity providers' },
  'tenant.connections.write': { scope: 'tenant', description: 'connect, change and remove upstream identity providers' },
  'tenant.audit.read': { scope: 'tenant', description: "read, export and check the tenant's audit trail" },
  'tenant.support_grants.read': { scope: 'tenant', description: 'list support access grants to the tenant' },
  'support_grants.write': { scope: 'global', description: 'grant and end support access' },
  'clients.read': { scope: 'global', description: 'read relying applications' },
  'clients.write': { scope: 'global', description: 'register, change and delete relying applications' },
  'apis.read': { scope: 'global', description: 'read APIs (resource servers)' },
  'apis.write': { scope: 'global', description: 'register, change and delete APIs (resource servers)' },
  'keys.read': { scope: 'global', description: 'read the signing keys' },
  'keys.rotate': { scope: 'global', description: 'rotate the signing keys' },
  'roles.write': { scope: 'global', description: 'grant and revoke every role, staff roles included' },
} as const satisfies Record<string, { scope: 'global' | 'tenant'; description: string }>;

export type Permission = keyof typeof PERMISSIONS;

const ALL = Object.keys(PERMISSIONS) as Permission[];

/** Global permissions any role (or support grant) gives, whatever tenant it names: their answers are filtered to the caller. */
const ANY_ROLE = new Set<Permission>(['self.read', 'tenants.list']);

/** What each role may do within what it covers (its tenant, or everything when it names none). */
export const ROLE_PERMISSIONS: Record<RoleName, readonly Permission[]> = {
  'super-admin': ALL,
  'tenant-admin': [
    'self.read',
    'tenants.list',
    'tenant.read',
    'tenant.policy.read',
    'tenant.policy.write',
    'tenant.accounts.read',
    'tenant.accounts.write',
    'tenant.accounts.support',
    'tenant.roles.read',
    'tenant.roles.write',
    'tenant.connections.read',
    'tenant.connections.write',
    'tenant.audit.read',
    'tenant.support_grants.read',
  ],
  helpdesk: ['self.read', 'tenants.list', 'tenant.read', 'tenant.accounts.read', 'tenant.accounts.support'],
  auditor: ['self.read', 'tenants.list', 'tenant.read', 'tenant.audit.read', 'tenant.export', 'tenant.support_grants.read'],
};

/**
 * What a support grant lets its staff member do in the tenant: tenant-admin's work, but nothing
 * that would outlast the grant — no roles handed out (an account made tenant-admin during the
 * case would be standing access after it), no upstream identity providers changed (one the
 * staff member controls could sign in as any account of the tenant later).
 */
export const SUPPORT_GRANT_PERMISSIONS: readonly Permission[] = ROLE_PERMISSIONS['tenant-admin'].filter(
  (permission) => permission !== 'tenant.roles.write' && permission !== 'tenant.connections.write',
);

/** The live support grant a decision rests on, when no standing role covers it. */
export interface GrantBasis {
  grantId: string;
  tenantId: string;
}

export type Decision = { allowed: true; viaSupportGrant: GrantBasis | null } | { allowed: false };

/**
 * What one caller may do right now: its standing roles plus its live support grants (each acts
 * as tenant-admin of one tenant). Built per request, so a revoked role or an ended grant counts at once.
 */
export class Authority {
  constructor(
    readonly roles: readonly RoleGrant[],
    readonly supportGrants: readonly GrantBasis[] = [],
  ) {}

  get hasAnyRole(): boolean {
    return this.roles.length > 0 || this.supportGrants.length > 0;
  }

  /**
   * A tenant permission needs a role covering that tenant (or every tenant); without a tenant
   * it needs a role covering every tenant. A global permission needs a role that names no tenant,
   * except `self.read` and `tenants.list`, which anyone with a role may call (their answers are filtered).
   */
  decide(permission: Permission, tenantId: string | undefined): Decision {
    const spec = PERMISSIONS[permission];
    const covers = (grant: RoleGrant) =>
      ROLE_PERMISSIONS[grant.role].includes(permission) &&
      (grant.tenantId === null ||
        (spec.scope === 'tenant' && tenantId !== undefined && grant.tenantId === tenantId) ||
        ANY_ROLE.has(permission));
    if (this.roles.some(covers)) return { allowed: true, viaSupportGrant: null };
    if (ANY_ROLE.has(permission) && this.supportGrants.length > 0) return { allowed: true, viaSupportGrant: null };
    if (spec.scope === 'tenant' && tenantId !== undefined && SUPPORT_GRANT_PERMISSIONS.includes(permission)) {
      const grant = this.supportGrants.find((g) => g.tenantId === tenantId);
      if (grant) return { allowed: true, viaSupportGrant: grant };
    }
    return { allowed: false };
  }

  allows(permission: Permission, tenantId?: string): boolean {
    return this.decide(permission, tenantId).allowed;
  }

  /** Tenants this caller may see: every one, or those its roles and grants name. */
  visibleTenants(): 'all' | Set<string> {
    if (this.roles.some((r) => r.tenantId === null)) return 'all';
    return new Set([...this.roles.map((r) => r.tenantId!), ...this.supportGrants.map((g) => g.tenantId)]);
  }
}
