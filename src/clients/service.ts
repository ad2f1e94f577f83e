import type { ClientRepository } from './repository.js';
import type { Page } from '../paging.js';
import { newId } from '../ids.js';
import { DomainError, notFound } from '../errors.js';
import { parseOrThrow } from '../validation.js';
import type { Client } from './types.js';
import { clientCreateSchema, clientUpdateSchema, type ClientCreateInput, type ClientUpdateInput } from './schema.js';
import { hashClientSecret, newClientSecret } from './secrets.js';
import { ROLE_TENANCY, type RoleName } from '../roles/types.js';

/** An admin client's role names tenants exactly when the role is about tenants. */
function assertRoleTenancy(role: RoleName | null, tenantIds: string[]): void {
  if (role === null) return;
  const tenancy = ROLE_TENANCY[role];
  if (tenancy === 'none' && tenantIds.length > 0) {
    throw new DomainError('validation_failed', 'the request is not valid', [
      { field: 'adminTenants', code: 'tenant_not_allowed', message: `${role} covers every tenant and names none` },
    ]);
  }
  if (tenancy === 'required' && tenantIds.length === 0) {
    throw new DomainError('validation_failed', 'the request is not valid', [
      { field: 'adminTenants', code: 'tenant_required', message: `${role} needs at least one tenant` },
    ]);
  }
}

/** Turns tenant references (slug or id) into ids; refuses unknown ones. */
export type TenantResolver = (ref: string) => Promise<string | null>;

export class ClientService {
  constructor(
    private readonly clients: ClientRepository,
    private readonly resolveTenant: TenantResolver,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** Returns the client and, for confidential clients, the secret: shown this once, stored only hashed. */
  async create(input: ClientCreateInput): Promise<{ client: Client; secret: string | null }> {
    const data = parseOrThrow(clientCreateSchema, input);
    const tenantIds = await this.resolveTenants(data.tenants ?? []);
    const adminRole = data.admin ? (data.adminRole ?? 'super-admin') : null;
    const adminTenantIds = await this.resolveTenants(data.adminTenants ?? [], 'adminTenants');
    assertRoleTenancy(adminRole, adminTenantIds);
    const secret = data.public ? null : newClientSecret();
    const now = this.clock().toISOString();
    const client: Client = {
      id: newId(),
      name: data.name,
      secretHash: secret ? hashClientSecret(secret) : null,
      tokenEndpointAuthMethod: data.public ? 'none' : data.tokenEndpointAuthMethod,
      redirectUris: data.redirectUris,
      postLogoutRedirectUris: data.postLogoutRedirectUris,
      tenantIds,
      admin: data.admin,
      adminRole,
      adminTenantIds,
      firstParty: data.firstParty,
      requirePkce: data.requirePkce,
      createdAt: now,
      updatedAt: now,
    };
    await this.clients.insert(client);
    return { client, secret };
  }

  async get(id: string): Promise<Client> {
    const client = await this.clients.findById(id);
    if (!client) throw notFound('client');
    return client;
  }

  findById(id: string): Promise<Client | null> {
    return this.clients.findById(id);
  }

  list(page: Page): Promise<Client[]> {
    return this.clients.list(page);
  }

  async update(id: string, input: ClientUpdateInput): Promise<{ before: Client; after: Client }> {
    const data = parseOrThrow(clientUpdateSchema, input);
    const before = await this.get(id);
    const after: Client = {
      ...before,
      name: data.name ?? before.name,
      redirectUris: data.redirectUris ?? before.redirectUris,
      postLogoutRedirectUris: data.postLogoutRedirectUris ?? before.postLogoutRedirectUris,
      firstParty: data.firstParty ?? before.firstParty,
      requirePkce: data.requirePkce ?? before.requirePkce,
      tenantIds: data.tenants === undefined ? before.tenantIds : await this.resolveTenants(data.tenants ?? []),
      adminRole: before.admin ? (data.adminRole ?? before.adminRole) : null,
      adminTenantIds:
        data.adminTenants === undefined ? before.adminTenantIds : await this.resolveTenants(data.adminTenants ?? [], 'adminTenants'),
      updatedAt: this.clock().toISOString(),
    };
    if (!before.admin && (data.adminRole !== undefined || data.adminTenants !== undefined)) {
      throw new DomainError('validation_failed', 'the request is not valid', [
        { field: 'adminRole', code: 'not_admin', message: 'only an admin client has an admin role' },
      ]);
    }
    assertRoleTenancy(after.adminRole, after.adminTenantIds);
    if (!after.requirePkce && after.secretHash === null) {
      throw new DomainError('validation_failed', 'the request is not valid', [
        { field: 'requirePkce', code: 'public_client', message: 'a public client always uses PKCE' },
      ]);
    }
    if (!after.admin && after.redirectUris.length === 0) {
      throw new DomainError('validation_failed', 'the request is not valid', [
        { field: 'redirectUris', code: 'too_small', message: 'at least one redirect URI is needed' },
      ]);
    }
    if (!(await this.clients.replace(after))) throw notFound('client');
    return { before, after };
  }

  /** Issues a new secret for a confidential client; the old one stops working at once. */
  async rotateSecret(id: string): Promise<{ client: Client; secret: string }> {
    const before = await this.get(id);
    if (before.secretHash === null) {
      throw new DomainError('validation_failed', 'a public client has no secret', [
        { field: '', code: 'public_client', message: 'a public client has no secret' },
      ]);
    }
    const secret = newClientSecret();
    const client = { ...before, secretHash: hashClientSecret(secret), updatedAt: this.clock().toISOString() };
    if (!(await this.clients.replace(client))) throw notFound('client');
    return { client, secret };
  }

  async delete(id: string): Promise<Client> {
    const client = await this.get(id);
    await this.clients.delete(id);
    return client;
  }

  private async resolveTenants(refs: string[], field = 'tenants'): Promise<string[]> {
    const ids: string[] = [];
    const problems = [];
    for (const [index, ref] of refs.entries()) {
      const id = await this.resolveTenant(ref);
      if (id) ids.push(id);
      else problems.push({ field: `${field}.${index}`, code: 'unknown_tenant', message: `no tenant "${ref}"` });
    }
    if (problems.length) throw new DomainError('validation_failed', 'the request is not valid', problems);
    return [...new Set(ids)];
  }
}
