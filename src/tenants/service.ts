import type { AccountRepository } from '../accounts/repository.js';
import type { Page } from '../paging.js';
import type { TenantRepository } from './repository.js';
import { ConflictError, conflict, notFound } from '../errors.js';
import { newId } from '../ids.js';
import { parseOrThrow } from '../validation.js';
import type { Tenant, TenantState } from './types.js';
import { DEFAULT_TENANT_POLICY } from '../policy/defaults.js';
import { tenantPolicySchema, type TenantPolicyInput } from '../policy/schema.js';
import type { TenantPolicy } from '../policy/types.js';
import {
  tenantCreateSchema,
  tenantDeleteSchema,
  tenantUpdateSchema,
  type TenantCreateInput,
  type TenantDeleteInput,
  type TenantUpdateInput,
} from './schema.js';

const ACCOUNT_PAGE = 500;
const DAY_MS = 24 * 60 * 60 * 1000;

export class TenantService {
  constructor(
    private readonly tenants: TenantRepository,
    private readonly accounts: Pick<AccountRepository, 'listByTenant'>,
    /** Ends every session and revokes every grant and token of an account. */
    private readonly endSessions: (accountId: string) => Promise<void>,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async create(input: TenantCreateInput): Promise<Tenant> {
    const data = parseOrThrow(tenantCreateSchema, input);
    const domains = [...new Set(data.domains)];
    await this.assertDomainsFree(domains, undefined);
    const now = this.clock().toISOString();
    const tenant: Tenant = {
      id: newId(),
      slug: data.slug,
      name: data.name,
      domains,
      state: 'active',
      policy: DEFAULT_TENANT_POLICY,
      locale: data.locale,
      mail: data.mail,
      links: data.links,
      passwordsAllowed: data.passwordsAllowed,
      purgeAfter: null,
      purgeLeaseUntil: null,
      createdAt: now,
      updatedAt: now,
    };
    try {
      await this.tenants.insert(tenant);
    } catch (error) {
      if (error instanceof ConflictError) throw conflict(`a tenant with slug "${data.slug}" already exists`);
      throw error;
    }
    return tenant;
  }

  /** Finds a tenant by id, else by slug (ids first: a slug never shadows another tenant's id). */
  async get(ref: string): Promise<Tenant> {
    const tenant = (await this.tenants.findById(ref)) ?? (await this.tenants.findBySlug(ref));
    if (!tenant) throw notFound('tenant');
    return tenant;
  }

  async findBySlug(slug: string): Promise<Tenant | null> {
    return this.tenants.findBySlug(slug);
  }

  findByDomain(domain: string): Promise<Tenant[]> {
    return this.tenants.findByDomain(domain);
  }

  async findById(id: string): Promise<Tenant | null> {
    return this.tenants.findById(id);
  }

  list(page: Page): Promise<Tenant[]> {
    return this.tenants.list(page);
  }

  async update(ref: string, input: TenantUpdateInput): Promise<{ before: Tenant; after: Tenant }> {
    const data = parseOrThrow(tenantUpdateSchema, input);
    const before = await this.get(ref);
    this.assertActive(before);
    const domains = data.domains ? [...new Set(data.domains)] : before.domains;
    await this.assertDomainsFree(domains, before.id);
    const after: Tenant = {
      ...before,
      name: data.name ?? before.name,
      domains,
      locale: data.locale === undefined ? before.locale : data.locale,
      mail: data.mail ?? before.mail,
      links: data.links ?? before.links,
      passwordsAllowed: data.passwordsAllowed ?? before.passwordsAllowed,
      updatedAt: this.clock().toISOString(),
    };
    await this.store(after, 'active');
    return { before, after };
  }

  /** The tenant's password and lockout policy. */
  async policyOf(tenantId: string): Promise<TenantPolicy> {
    const tenant = await this.tenants.findById(tenantId);
    if (!tenant) throw notFound('tenant');
    return tenant.policy;
  }

  /** Replaces the policy; omitted fields take their defaults. Applies from the next password set. */
  async setPolicy(ref: string, input: TenantPolicyInput): Promise<{ tenant: Tenant; before: TenantPolicy; after: TenantPolicy }> {
    const policy = parseOrThrow(tenantPolicySchema, input);
    const current = await this.get(ref);
    this.assertActive(current);
    const tenant: Tenant = { ...current, policy, updatedAt: this.clock().toISOString() };
    await this.store(tenant, 'active');
    return { tenant, before: current.policy, after: policy };
  }

  /**
   * Schedules the tenant's deletion: purgeAfter = now + the grace period. From this moment nobody
   * of it signs in (the one eligibility rule refuses every path for a tenant that is not active),
   * its connections and e-mailed links stop, and every session, grant and token of its accounts
   * ends; the tenant stops signing anyone in before that, so none is issued meanwhile. Its data
   * stays, readable and exportable, until the purge.
   */
  async scheduleDeletion(ref: string, input: TenantDeleteInput = {}): Promise<{ before: Tenant; after: Tenant }> {
    const { graceDays } = parseOrThrow(tenantDeleteSchema, input);
    const before = await this.get(ref);
    if (before.state === 'scheduled_for_deletion') {
      throw conflict(
        `the tenant "${before.slug}" is already scheduled for deletion (purge after ${before.purgeAfter}); restore it first to choose another date`,
      );
    }
    const now = this.clock();
    const after: Tenant = {
      ...before,
      state: 'scheduled_for_deletion',
      purgeAfter: new Date(now.getTime() + graceDays * DAY_MS).toISOString(),
      purgeLeaseUntil: null,
      updatedAt: now.toISOString(),
    };
    await this.store(after, 'active');
    for (let after: string | undefined; ;) {
      const accounts = await this.accounts.listByTenant(before.id, { limit: ACCOUNT_PAGE, after });
      for (const account of accounts) await this.endSessions(account.id);
      if (accounts.length < ACCOUNT_PAGE) break;
      after = accounts[accounts.length - 1]!.id;
    }
    return { before, after };
  }

  /** Cancels a scheduled deletion within the grace period: everything works again as before. */
  async restore(ref: string): Promise<{ before: Tenant; after: Tenant }> {
    const before = await this.get(ref);
    if (before.state !== 'scheduled_for_deletion') throw conflict(`the tenant "${before.slug}" is not scheduled for deletion`);
    if (!(await this.tenants.cancelDeletion(before.id, this.clock().toISOString()))) {
      throw conflict(`the tenant "${before.slug}" is being purged and can no longer be restored`);
    }
    return { before, after: await this.get(before.id) };
  }

  /** Brings a scheduled tenant's purge forward to now (an operator who must purge at once). */
  async makeDueNow(ref: string): Promise<Tenant> {
    const tenant = await this.get(ref);
    if (tenant.state !== 'scheduled_for_deletion') throw conflict(`the tenant "${tenant.slug}" is not scheduled for deletion`);
    const now = this.clock().toISOString();
    if (tenant.purgeAfter !== null && tenant.purgeAfter <= now) return tenant;
    const due: Tenant = { ...tenant, purgeAfter: now, updatedAt: now };
    await this.store(due, 'scheduled_for_deletion');
    return due;
  }

  /** Writes a change read from a tenant in `expectedState`; refused when another change moved its state meanwhile. */
  private async store(tenant: Tenant, expectedState: TenantState): Promise<void> {
    if (await this.tenants.replace(tenant, expectedState)) return;
    const current = await this.tenants.findById(tenant.id);
    if (!current) throw notFound('tenant');
    throw conflict(`the tenant "${current.slug}" changed state meanwhile (now ${current.state}); read it again`);
  }

  /** Refuses changes to a tenant on its way out (they would be lost, and could clash with its purge). */
  private assertActive(tenant: Tenant): void {
    if (tenant.state !== 'active') throw conflict(`the tenant "${tenant.slug}" is scheduled for deletion; restore it first`);
  }

  private async assertDomainsFree(domains: string[], ownTenantId: string | undefined): Promise<void> {
    for (const domain of domains) {
      const owners = await this.tenants.findByDomain(domain);
      if (owners.some((t) => t.id !== ownTenantId)) throw conflict(`the domain "${domain}" belongs to another tenant`);
    }
  }
}
