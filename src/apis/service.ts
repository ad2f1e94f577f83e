import type { Page } from '../paging.js';
import { newId } from '../ids.js';
import { ConflictError, conflict, invalid, notFound } from '../errors.js';
import { parseOrThrow } from '../validation.js';
import type { ApiRepository } from './repository.js';
import type { Api } from './types.js';
import { apiCreateSchema, apiUpdateSchema, type ApiCreateInput, type ApiUpdateInput } from './schema.js';
import type { TenantResolver } from '../clients/service.js';

export class ApiService {
  constructor(
    private readonly apis: ApiRepository,
    private readonly resolveTenant: TenantResolver,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async create(input: ApiCreateInput): Promise<Api> {
    const data = parseOrThrow(apiCreateSchema, input);
    let tenantId: string | null = null;
    if (data.tenant !== undefined) {
      tenantId = await this.resolveTenant(data.tenant);
      if (!tenantId) throw invalid([{ field: 'tenant', code: 'unknown_tenant', message: `no tenant "${data.tenant}"` }]);
    }
    const now = this.clock().toISOString();
    const api: Api = {
      id: newId(),
      identifier: data.identifier,
      name: data.name ?? data.identifier,
      tenantId,
      scopes: data.scopes,
      tokenFormat: data.tokenFormat,
      tokenTtlSeconds: data.tokenTtlSeconds,
      createdAt: now,
      updatedAt: now,
    };
    try {
      await this.apis.insert(api);
    } catch (error) {
      if (error instanceof ConflictError) throw conflict(`an API with identifier "${data.identifier}" already exists`);
      throw error;
    }
    return api;
  }

  /** By id or by identifier (the resource indicator). */
  async get(ref: string): Promise<Api> {
    const api = (await this.apis.findById(ref)) ?? (await this.apis.findByIdentifier(ref));
    if (!api) throw notFound('api');
    return api;
  }

  findByIdentifier(identifier: string): Promise<Api | null> {
    return this.apis.findByIdentifier(identifier);
  }

  list(page: Page): Promise<Api[]> {
    return this.apis.list(page);
  }

  async update(ref: string, input: ApiUpdateInput): Promise<{ before: Api; after: Api }> {
    const data = parseOrThrow(apiUpdateSchema, input);
    const before = await this.get(ref);
    const after: Api = {
      ...before,
      name: data.name ?? before.name,
      scopes: data.scopes ?? before.scopes,
      tokenFormat: data.tokenFormat ?? before.tokenFormat,
      tokenTtlSeconds: data.tokenTtlSeconds ?? before.tokenTtlSeconds,
      updatedAt: this.clock().toISOString(),
    };
    if (!(await this.apis.replace(after))) throw notFound('api');
    return { before, after };
  }

  async delete(ref: string): Promise<Api> {
    const api = await this.get(ref);
    await this.apis.delete(api.id);
    return api;
  }
}
