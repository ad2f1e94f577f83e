import type { AccountRepository } from '../accounts/repository.js';
import type { Page } from '../paging.js';
import type { TenantRepository } from './repository.js';
import { ConflictError, conflict, notFound } from '../errors.js';
import { newId } from '../ids.js';
import { parseOrThrow } from '../validation.js';
import type { Tenant } from './types.js';
import { DEFAULT_TENANT_POLICY } from '../policy/defaults.js';
import { tenantPolicySchema, type TenantPolicyInput } from '../policy/schema.js';
import type { TenantPolicy } from '../policy/types.js';
import { tenantCreateSchema, tenantUpdateSchema, type TenantCreateInput, type TenantUpdateInput } from './schema.js';

const ACCOUNT_PAGE = 500;

export class TenantService {
  constructor(
    private readonly tenants: TenantRepository,
    private readonly accounts: Pick<AccountRepository, 'deleteByTenant' | 'listByTenant'>,
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
      id: newId(), slug: data.slug, name: data.name, domains, state: 'active', policy: DEFAULT_TENANT_POLICY,
      locale: data.locale, mail: data.mail, links: data.links, passwordsAllowed: data.passwordsAllowed, createdAt: now, updatedAt: now,
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
    if (!(await this.tenants.replace(after))) throw notFound('tenant');
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
    const tenant: Tenant = { ...current, policy, updatedAt: this.clock().toISOString() };
    if (!(await this.tenants.replace(tenant))) throw notFound('tenant');
    return { tenant, before: current.policy, after: policy };
  }

  /**
   * Deletes the tenant and every account in it. Its people's sessions, grants and tokens end
   * first; the tenant stops signing anyone in before that, so none is issued meanwhile.
   */
  async delete(ref: string): Promise<Tenant> {
    const tenant = await this.get(ref);
    await this.tenants.replace({ ...tenant, state: 'scheduled_for_deletion', updatedAt: this.clock().toISOString() });
    for (let after: string | undefined; ;) {
      const accounts = await this.accounts.listByTenant(tenant.id, { limit: ACCOUNT_PAGE, after });
      for (const account of accounts) await this.endSessions(account.id);
      if (accounts.length < ACCOUNT_PAGE) break;
      after = accounts[accounts.length - 1]!.id;
    }
    await this.accounts.deleteByTenant(tenant.id);
    await this.tenants.delete(tenant.id);
    return tenant;
  }

  private async assertDomainsFree(domains: string[], ownTenantId: string | undefined): Promise<void> {
    for (const domain of domains) {
      const owners = await this.tenants.findByDomain(domain);
      if (owners.some((t) => t.id !== ownTenantId)) throw conflict(`the domain "${domain}" belongs to another tenant`);
    }
  }
}
