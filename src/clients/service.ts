import { createPublicKey, type JsonWebKey } from 'node:crypto';
import type { ClientRepository } from './repository.js';
import type { Page } from '../paging.js';
import { newId } from '../ids.js';
import { DomainError, invalid, notFound, type Problem } from '../errors.js';
import { parseOrThrow } from '../validation.js';
import type { Client } from './types.js';
import { clientCreateSchema, clientUpdateSchema, type ClientCreateInput, type ClientUpdateInput } from './schema.js';
import { hashClientSecret, newClientSecret } from './secrets.js';
import type { Api } from '../apis/types.js';
import type { FieldCipher } from '../crypto/field-cipher.js';

/** Turns tenant references (slug or id) into ids; refuses unknown ones. */
export type TenantResolver = (ref: string) => Promise<string | null>;

export interface ClientServiceOptions {
  clock?: () => Date;
  /** Finds an API by its identifier, for the grants a client is given. */
  findApi?: (identifier: string) => Promise<Api | null>;
  /** Seals and opens client_secret_jwt secrets (the field cipher). */
  cipher?: Pick<FieldCipher, 'seal' | 'open' | 'isCurrent'>;
  /** The protocol's own rules for client metadata (oidc-provider's); resolves with the problems found. */
  checkMetadata?: (client: Client) => Promise<Problem[]>;
}

/** The context a client_secret_jwt secret is sealed under: a sealed value moved to another client does not open. */
export const clientSecretContext = (clientId: string) => `client-secret:${clientId}`;

export class ClientService {
  private readonly clock: () => Date;

  constructor(
    private readonly clients: ClientRepository,
    private readonly resolveTenant: TenantResolver,
    private readonly options: ClientServiceOptions = {},
  ) {
    this.clock = options.clock ?? (() => new Date());
  }

  /** Returns the client and, for secret-based clients, the secret: shown this once, stored only hashed (or sealed). */
  async create(input: ClientCreateInput): Promise<{ client: Client; secret: string | null }> {
    const data = parseOrThrow(clientCreateSchema, input);
    const tenantIds = await this.resolveTenants(data.tenants ?? []);
    const method = data.public ? 'none' : data.tokenEndpointAuthMethod;
    const id = newId();
    const secret = method === 'none' || method === 'private_key_jwt' ? null : newClientSecret();
    const now = this.clock().toISOString();
    const client: Client = {
      id,
      name: data.name,
      secretHash: secret ? hashClientSecret(secret) : null,
      sealedSecret: secret && method === 'client_secret_jwt' ? this.seal(secret, id) : null,
      tokenEndpointAuthMethod: method,
      jwks: data.jwks ?? null,
      jwksUri: data.jwksUri ?? null,
      redirectUris: data.redirectUris,
      postLogoutRedirectUris: data.postLogoutRedirectUris,
      tenantIds,
      admin: data.admin,
      service: data.service,
      apiGrants: data.apis,
      introspects: [...new Set(data.introspects)],
      firstParty: data.firstParty,
      requirePkce: data.requirePkce,
      requirePushedAuthorizationRequests: data.requirePushedAuthorizationRequests,
      dpopBoundAccessTokens: data.dpopBoundAccessTokens,
      subjectType: data.subjectType,
      createdAt: now,
      updatedAt: now,
    };
    await this.assertValid(client);
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
    const method = data.tokenEndpointAuthMethod ?? before.tokenEndpointAuthMethod;
    if (method !== before.tokenEndpointAuthMethod) {
      // Only between the methods that present the secret itself; the others need a new secret or none.
      const plain = ['client_secret_basic', 'client_secret_post'];
      if (
        !plain.includes(method) ||
        (before.tokenEndpointAuthMethod !== 'client_secret_jwt' && !plain.includes(before.tokenEndpointAuthMethod))
      ) {
        throw invalid([
          {
            field: 'tokenEndpointAuthMethod',
            code: 'method_change',
            message: 'only a change to client_secret_basic or client_secret_post of a secret-based client; register a new client otherwise',
          },
        ]);
      }
    }
    const after: Client = {
      ...before,
      name: data.name ?? before.name,
      tokenEndpointAuthMethod: method,
      sealedSecret: method === 'client_secret_jwt' ? before.sealedSecret : null,
      jwks: data.jwks === undefined ? before.jwks : data.jwks,
      jwksUri: data.jwksUri === undefined ? before.jwksUri : data.jwksUri,
      redirectUris: data.redirectUris ?? before.redirectUris,
      postLogoutRedirectUris: data.postLogoutRedirectUris ?? before.postLogoutRedirectUris,
      firstParty: data.firstParty ?? before.firstParty,
      requirePkce: data.requirePkce ?? before.requirePkce,
      apiGrants: data.apis ?? before.apiGrants,
      introspects: data.introspects ? [...new Set(data.introspects)] : before.introspects,
      requirePushedAuthorizationRequests: data.requirePushedAuthorizationRequests ?? before.requirePushedAuthorizationRequests,
      dpopBoundAccessTokens: data.dpopBoundAccessTokens ?? before.dpopBoundAccessTokens,
      subjectType: data.subjectType ?? before.subjectType,
      tenantIds: data.tenants === undefined ? before.tenantIds : await this.resolveTenants(data.tenants ?? []),
      updatedAt: this.clock().toISOString(),
    };
    if (!after.requirePkce && after.tokenEndpointAuthMethod === 'none') {
      throw invalid([{ field: 'requirePkce', code: 'public_client', message: 'a public client always uses PKCE' }]);
    }
    if (!after.admin && !after.service && after.redirectUris.length === 0) {
      throw invalid([{ field: 'redirectUris', code: 'too_small', message: 'at least one redirect URI is needed' }]);
    }
    if (after.service && after.redirectUris.length > 0) {
      throw invalid([{ field: 'redirectUris', code: 'service_client', message: 'a service client signs no one in' }]);
    }
    await this.assertValid(after);
    if (!(await this.clients.replace(after))) throw notFound('client');
    return { before, after };
  }

  /** Issues a new secret for a secret-based client; the old one stops working at once. */
  async rotateSecret(id: string): Promise<{ client: Client; secret: string }> {
    const before = await this.get(id);
    if (before.secretHash === null) {
      throw new DomainError('validation_failed', 'this client has no secret', [
        { field: '', code: 'no_secret', message: 'a public or private_key_jwt client has no secret' },
      ]);
    }
    const secret = newClientSecret();
    const client = {
      ...before,
      secretHash: hashClientSecret(secret),
      sealedSecret: before.tokenEndpointAuthMethod === 'client_secret_jwt' ? this.seal(secret, id) : null,
      updatedAt: this.clock().toISOString(),
    };
    if (!(await this.clients.replace(client))) throw notFound('client');
    return { client, secret };
  }

  async delete(id: string): Promise<Client> {
    const client = await this.get(id);
    await this.clients.delete(id);
    return client;
  }

  /** Takes an API's grants (and its introspection) away from every client (when the API is deleted); returns the clients changed. */
  async revokeApi(identifier: string): Promise<string[]> {
    const changed: string[] = [];
    for (let after: string | undefined; ;) {
      const page = await this.clients.list({ limit: 200, after });
      for (const client of page.filter((c) => c.apiGrants.some((g) => g.api === identifier) || c.introspects.includes(identifier))) {
        await this.clients.replace({
          ...client,
          apiGrants: client.apiGrants.filter((g) => g.api !== identifier),
          introspects: client.introspects.filter((api) => api !== identifier),
        });
        changed.push(client.id);
      }
      if (page.length < 200) return changed;
      after = page[page.length - 1]!.id;
    }
  }

  /** The secret of a client_secret_jwt client, opened for the provider's HMAC check. */
  openSecret(client: Client): string {
    if (!this.options.cipher || !client.sealedSecret) throw new Error('this client has no sealed secret');
    return this.options.cipher.open(client.sealedSecret, clientSecretContext(client.id));
  }

  /** Seals a client_secret_jwt secret again with the newest key; false when it already is (or there is none). */
  async resealSecret(client: Client): Promise<boolean> {
    if (!client.sealedSecret || !this.options.cipher || this.options.cipher.isCurrent(client.sealedSecret)) return false;
    return this.clients.replace({ ...client, sealedSecret: this.seal(this.openSecret(client), client.id) });
  }

  private seal(secret: string, clientId: string): string {
    if (!this.options.cipher) throw new Error('client_secret_jwt needs the field cipher');
    return this.options.cipher.seal(secret, clientSecretContext(clientId));
  }

  /** Our rules, then the protocol's: a record the provider would refuse to load is never stored. */
  private async assertValid(client: Client): Promise<void> {
    const problems = [...keyProblems(client), ...subjectProblems(client), ...(await this.grantProblems(client))];
    if (problems.length === 0 && this.options.checkMetadata) problems.push(...(await this.options.checkMetadata(client)));
    if (problems.length) throw invalid(problems);
  }

  private async grantProblems(client: Client): Promise<Problem[]> {
    const problems: Problem[] = [];
    const seen = new Set<string>();
    for (const [index, grant] of client.apiGrants.entries()) {
      const field = `apis.${index}`;
      if (seen.has(grant.api)) {
        problems.push({ field, code: 'duplicate_api', message: `"${grant.api}" is granted twice` });
        continue;
      }
      seen.add(grant.api);
      const api = this.options.findApi ? await this.options.findApi(grant.api) : null;
      if (!api) {
        problems.push({ field: `${field}.api`, code: 'unknown_api', message: `no API "${grant.api}"` });
        continue;
      }
      for (const scope of grant.scopes.filter((s) => !api.scopes.includes(s))) {
        problems.push({ field: `${field}.scopes`, code: 'unknown_scope', message: `"${grant.api}" defines no scope "${scope}"` });
      }
      // A tenant's API: only its own people (or services) may hold its tokens.
      if (api.tenantId && (client.tenantIds.length !== 1 || client.tenantIds[0] !== api.tenantId)) {
        problems.push({
          field: `${field}.api`,
          code: 'tenant_api',
          message: `"${grant.api}" belongs to one tenant: grant it only to a client limited to that tenant alone`,
        });
      }
    }
    for (const [index, identifier] of client.introspects.entries()) {
      if (!(this.options.findApi && (await this.options.findApi(identifier)))) {
        problems.push({ field: `introspects.${index}`, code: 'unknown_api', message: `no API "${identifier}"` });
      }
    }
    return problems;
  }

  private async resolveTenants(refs: string[]): Promise<string[]> {
    const ids: string[] = [];
    const problems = [];
    for (const [index, ref] of refs.entries()) {
      const id = await this.resolveTenant(ref);
      if (id) ids.push(id);
      else problems.push({ field: `tenants.${index}`, code: 'unknown_tenant', message: `no tenant "${ref}"` });
    }
    if (problems.length) throw new DomainError('validation_failed', 'the request is not valid', problems);
    return [...new Set(ids)];
  }
}

function keyProblems(client: Client): Problem[] {
  for (const [index, jwk] of (client.jwks?.keys ?? []).entries()) {
    try {
      if (createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' }).type !== 'public') throw new Error('not a public key');
    } catch {
      return [{ field: `jwks.keys.${index}`, code: 'invalid_key', message: 'not a usable public key' }];
    }
  }
  if (client.jwks && client.jwksUri) return [{ field: 'jwksUri', code: 'both_keys', message: 'give jwks or jwksUri, not both' }];
  if (client.tokenEndpointAuthMethod === 'private_key_jwt' && !client.jwks && !client.jwksUri) {
    return [{ field: 'jwks', code: 'keys_required', message: "private_key_jwt needs the client's public keys (jwks or jwksUri)" }];
  }
  return [];
}

/** Pairwise subjects are computed per client; the redirect URIs must share one host (no sector_identifier_uri here). */
function subjectProblems(client: Client): Problem[] {
  if (client.subjectType !== 'pairwise') return [];
  if (client.redirectUris.length === 0) {
    return [{ field: 'subjectType', code: 'pairwise_no_sign_in', message: 'only a client that signs people in has pairwise subjects' }];
  }
  if (new Set(client.redirectUris.map((uri) => new URL(uri).host)).size > 1) {
    return [{ field: 'redirectUris', code: 'pairwise_hosts', message: "a pairwise client's redirect URIs must share one host" }];
  }
  return [];
}
