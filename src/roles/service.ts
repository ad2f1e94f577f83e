import { DomainError, invalid, notFound, type Problem } from '../errors.js';
import { newId } from '../ids.js';
import { parseOrThrow } from '../validation.js';
import type { Account } from '../accounts/types.js';
import { SUPPORT_GRANT_MAX_HOURS } from '../config/defaults.js';
import type { RoleRepository, SupportGrantRepository } from './repository.js';
import { roleSetSchema, supportGrantCreateSchema, type RoleSetInput, type SupportGrantCreateInput } from './schema.js';
import { Authority } from './permissions.js';
import { ROLE_TENANCY, supportGrantLive, type RoleAssignment, type RoleGrant, type SupportGrant } from './types.js';

export interface RoleLookups {
  /** Tenant id of a reference (id or slug), null when unknown. */
  resolveTenant(ref: string): Promise<string | null>;
  /** The operators' tenant id, null before `idp operator bootstrap`. */
  operatorsTenantId(): Promise<string | null>;
  findAccount(id: string): Promise<Account | null>;
}

/** Roles held by accounts, and time-boxed support grants to staff (R12). */
export class RoleService {
  constructor(
    private readonly roles: RoleRepository,
    private readonly grants: SupportGrantRepository,
    private readonly lookups: RoleLookups,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async rolesOf(accountId: string): Promise<RoleGrant[]> {
    return (await this.roles.listByAccount(accountId)).map(({ role, tenantId }) => ({ role, tenantId }));
  }

  /** Whether the account is a staff member: it lives in the operators' tenant. */
  async isStaff(account: Account): Promise<boolean> {
    const operators = await this.lookups.operatorsTenantId();
    return operators !== null && account.tenantId === operators;
  }

  /** What the account may do right now: its roles and live support grants, read fresh. */
  async authorityOf(account: Account): Promise<Authority> {
    const [roles, grants] = await Promise.all([this.rolesOf(account.id), this.liveGrantsOf(account.id)]);
    return new Authority(
      roles,
      grants.map((g) => ({ grantId: g.id, tenantId: g.tenantId })),
    );
  }

  /**
   * Checks a role set for an account without storing it: each role's tenancy; a customer's
   * account holds only roles of its own tenant; only staff hold roles naming no tenant; nobody
   * holds a tenant role of the operators' tenant (super-admins run it).
   */
  async prepare(account: Account, input: RoleSetInput): Promise<RoleGrant[]> {
    const data = parseOrThrow(roleSetSchema, input);
    const staff = await this.isStaff(account);
    const operators = await this.lookups.operatorsTenantId();
    const problems: Problem[] = [];
    const grants: RoleGrant[] = [];
    for (const [index, { role, tenant }] of data.roles.entries()) {
      const field = `roles.${index}`;
      const tenancy = ROLE_TENANCY[role];
      if (tenancy === 'none' && tenant) {
        problems.push({ field: `${field}.tenant`, code: 'tenant_not_allowed', message: `${role} covers every tenant and names none` });
        continue;
      }
      if (tenancy === 'required' && !tenant) {
        problems.push({ field: `${field}.tenant`, code: 'tenant_required', message: `${role} needs a tenant` });
        continue;
      }
      const tenantId = tenant ? await this.lookups.resolveTenant(tenant) : null;
      if (tenant && !tenantId) {
        problems.push({ field: `${field}.tenant`, code: 'unknown_tenant', message: `no tenant "${tenant}"` });
        continue;
      }
      if (tenantId !== null && tenantId === operators) {
        problems.push({ field: `${field}.tenant`, code: 'operators_tenant', message: "the operators' tenant is run by super-admins only" });
        continue;
      }
      if (!staff && tenantId !== account.tenantId) {
        problems.push({
          field,
          code: 'outside_own_tenant',
          message: "a customer's account may hold roles of its own tenant only",
        });
        continue;
      }
      if (!grants.some((g) => g.role === role && g.tenantId === tenantId)) grants.push({ role, tenantId });
    }
    if (problems.length) throw invalid(problems);
    return grants;
  }

  /** Replaces the account's roles; returns the sets before and after. */
  async replace(account: Account, grants: RoleGrant[]): Promise<{ before: RoleGrant[]; after: RoleGrant[] }> {
    const before = await this.rolesOf(account.id);
    const grantedAt = this.clock().toISOString();
    const kept = new Map((await this.roles.listByAccount(account.id)).map((r) => [`${r.role}/${r.tenantId}`, r.grantedAt]));
    const assignments: RoleAssignment[] = grants.map((g) => ({
      ...g,
      accountId: account.id,
      grantedAt: kept.get(`${g.role}/${g.tenantId}`) ?? grantedAt,
    }));
    await this.roles.replaceForAccount(account.id, assignments);
    return { before, after: grants };
  }

  listAssignmentsOfTenant(tenantId: string): Promise<RoleAssignment[]> {
    return this.roles.listByTenant(tenantId);
  }

  async forgetAccount(accountId: string): Promise<number> {
    return this.roles.deleteByAccount(accountId);
  }

  async forgetTenant(tenantId: string): Promise<number> {
    return (await this.roles.deleteByTenant(tenantId)) + (await this.grants.deleteByTenant(tenantId));
  }

  // Support grants

  /** A staff member may act as tenant-admin of the tenant until `expiresAt` (at most 72 hours ahead). */
  async grantSupport(tenantId: string, input: SupportGrantCreateInput, createdBy: string): Promise<SupportGrant> {
    const data = parseOrThrow(supportGrantCreateSchema, input);
    const now = this.clock();
    const problems: Problem[] = [];
    const expires = new Date(data.expiresAt);
    if (expires.getTime() <= now.getTime()) problems.push({ field: 'expiresAt', code: 'in_the_past', message: 'must be in the future' });
    if (expires.getTime() > now.getTime() + SUPPORT_GRANT_MAX_HOURS * 3600_000) {
      problems.push({
        field: 'expiresAt',
        code: 'too_long',
        message: `at most ${SUPPORT_GRANT_MAX_HOURS} hours from now`,
        params: { maxHours: SUPPORT_GRANT_MAX_HOURS },
      });
    }
    const staff = await this.lookups.findAccount(data.staffAccountId);
    if (!staff || !(await this.isStaff(staff))) {
      problems.push({ field: 'staffAccountId', code: 'not_staff', message: "not an account of the operators' tenant" });
    }
    if (tenantId === (await this.lookups.operatorsTenantId())) {
      problems.push({ field: '', code: 'operators_tenant', message: "support access to the operators' tenant is not granted" });
    }
    if (problems.length) throw invalid(problems);
    const grant: SupportGrant = {
      id: newId(now.getTime()),
      tenantId,
      staffAccountId: data.staffAccountId,
      reason: data.reason,
      caseReference: data.caseReference,
      createdAt: now.toISOString(),
      createdBy,
      expiresAt: expires.toISOString(),
      endedAt: null,
      endedBy: null,
    };
    await this.grants.insert(grant);
    return grant;
  }

  listGrants(tenantId: string): Promise<SupportGrant[]> {
    return this.grants.listByTenant(tenantId);
  }

  async getGrant(tenantId: string, id: string): Promise<SupportGrant> {
    const grant = await this.grants.findById(id);
    if (!grant || grant.tenantId !== tenantId) throw notFound('support grant');
    return grant;
  }

  /** Ends a live grant now; an ended or expired one is a conflict (nothing to end). */
  async endGrant(tenantId: string, id: string, endedBy: string): Promise<SupportGrant> {
    await this.getGrant(tenantId, id);
    const ended = await this.grants.end(id, this.clock().toISOString(), endedBy);
    if (!ended) throw new DomainError('conflict', 'the support grant has already ended');
    return ended;
  }

  isLive(grant: SupportGrant): boolean {
    return supportGrantLive(grant, this.clock());
  }

  private liveGrantsOf(accountId: string): Promise<SupportGrant[]> {
    return this.grants.listLiveForAccount(accountId, this.clock().toISOString());
  }
}
