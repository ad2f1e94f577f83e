import { z } from 'zod';
import type { AccountRepository } from '../accounts/repository.js';
import type { ConnectionRepository } from './repository.js';
import { newId } from '../ids.js';
import type { FieldCipher } from '../crypto/field-cipher.js';
import { invalid, notFound } from '../errors.js';
import { parseOrThrow, toProblems } from '../validation.js';
import type { Connection } from './types.js';
import {
  connectionCreateSchema, connectionUpdateSchema, ENTRA_AUTHORITY, GOOGLE_ISSUER, kindRules,
  type ConnectionCreateInput, type ConnectionUpdateInput,
} from './schema.js';

const secretContext = (connectionId: string) => `connection-secret:${connectionId}`;

/** A tenant's upstream identity providers; client secrets are sealed at rest. */
export class ConnectionService {
  constructor(
    private readonly connections: ConnectionRepository,
    private readonly accounts: Pick<AccountRepository, 'unlinkConnection'>,
    private readonly cipher: FieldCipher,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async create(tenantId: string, input: ConnectionCreateInput): Promise<Connection> {
    const data = parseOrThrow(connectionCreateSchema, input);
    const id = newId();
    const now = this.clock().toISOString();
    const { clientSecret, ...rest } = data;
    const connection: Connection = {
      ...rest,
      id,
      tenantId,
      issuer: data.issuer ?? (data.kind === 'entra' ? ENTRA_AUTHORITY : data.kind === 'google' ? GOOGLE_ISSUER : ''),
      sealedClientSecret: this.cipher.seal(clientSecret, secretContext(id)),
      createdAt: now,
      updatedAt: now,
    };
    await this.connections.insert(connection);
    return connection;
  }

  async get(tenantId: string, id: string): Promise<Connection> {
    const connection = await this.connections.findById(id);
    if (!connection || connection.tenantId !== tenantId) throw notFound('connection');
    return connection;
  }

  findById(id: string): Promise<Connection | null> {
    return this.connections.findById(id);
  }

  list(tenantId: string): Promise<Connection[]> {
    return this.connections.listByTenant(tenantId);
  }

  async enabledFor(tenantId: string): Promise<Connection[]> {
    return (await this.connections.listByTenant(tenantId)).filter((c) => c.enabled);
  }

  async update(tenantId: string, id: string, input: ConnectionUpdateInput): Promise<{ before: Connection; after: Connection }> {
    const data = parseOrThrow(connectionUpdateSchema, input);
    const before = await this.get(tenantId, id);
    const { clientSecret, ...rest } = data;
    const after: Connection = {
      ...before,
      ...Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)),
      ...(clientSecret ? { sealedClientSecret: this.cipher.seal(clientSecret, secretContext(id)) } : {}),
      updatedAt: this.clock().toISOString(),
    };
    const merged = z.custom<typeof after>().superRefine((c, ctx) => kindRules(c, ctx)).safeParse(after);
    if (!merged.success) throw invalid(toProblems(merged.error));
    await this.connections.replace(after);
    return { before, after };
  }

  /** Removes the connection and every identity link it made; the accounts themselves stay. */
  async delete(tenantId: string, id: string): Promise<Connection> {
    const connection = await this.get(tenantId, id);
    await this.connections.delete(id);
    await this.accounts.unlinkConnection(id);
    return connection;
  }

  /** Seals the client secret again with the newest key, if it is not already; true when it did. */
  async resealSecret(connection: Connection): Promise<boolean> {
    if (this.cipher.isCurrent(connection.sealedClientSecret)) return false;
    const secret = this.clientSecretOf(connection);
    return this.connections.replace({ ...connection, sealedClientSecret: this.cipher.seal(secret, secretContext(connection.id)) });
  }

  clientSecretOf(connection: Connection): string {
    return this.cipher.open(connection.sealedClientSecret, secretContext(connection.id));
  }
}
