import type { Tenant } from '../tenants/types.js';
import type { Account } from '../accounts/types.js';
import type { Client } from '../clients/types.js';
import type { AuditEvent, AuditQuery } from '../audit/types.js';
import type { OneTimeToken } from '../links/types.js';
import type { Connection } from '../federation/types.js';

/**
 * The one storage port. Two adapters implement it (SQLite, MongoDB) and both pass
 * test/storage/contract.ts. Domain services take only the repository they need.
 */

export interface Page {
  /** Largest number of records to return. */
  limit: number;
  /** Return records whose id sorts after this one (ids are time-ordered). */
  after?: string;
}

export interface TenantRepository {
  /** @throws ConflictError when the slug is taken. */
  insert(tenant: Tenant): Promise<void>;
  findById(id: string): Promise<Tenant | null>;
  findBySlug(slug: string): Promise<Tenant | null>;
  /** Tenants that own this (lower-case) e-mail domain. */
  findByDomain(domain: string): Promise<Tenant[]>;
  list(page: Page): Promise<Tenant[]>;
  /** Replaces the stored record; false when it no longer exists. @throws ConflictError */
  replace(tenant: Tenant): Promise<boolean>;
  delete(id: string): Promise<boolean>;
}

export interface AccountRepository {
  /** @throws ConflictError when the e-mail is taken in the tenant. */
  insert(account: Account): Promise<void>;
  findById(id: string): Promise<Account | null>;
  findByEmail(tenantId: string, emailNormalized: string): Promise<Account | null>;
  /** Every account with this e-mail, across tenants (for the tenant choice at login). */
  findAllByEmail(emailNormalized: string): Promise<Account[]>;
  listByTenant(tenantId: string, page: Page): Promise<Account[]>;
  /** The account an upstream identity is linked to. (connection, subject) is unique across accounts. */
  findByIdentity(connectionId: string, subject: string): Promise<Account | null>;
  /** Removes every identity link of a connection (when it is deleted); returns how many accounts changed. */
  unlinkConnection(connectionId: string): Promise<number>;
  /**
   * Applies `change` to the current record atomically: no other writer, in this process or
   * another, changes the record between the read and the write (security counters rely on it).
   * `change` may run more than once and must be pure. Resolves null when the record does not
   * exist or `change` returns null (nothing written).
   * @throws ConflictError when the change takes an e-mail already used in the tenant, or links an identity linked elsewhere.
   */
  update(id: string, change: AccountChange): Promise<{ before: Account; after: Account } | null>;
  delete(id: string): Promise<boolean>;
  deleteByTenant(tenantId: string): Promise<number>;
}

export type AccountChange = (current: Account) => Account | null;

export interface ConnectionRepository {
  insert(connection: Connection): Promise<void>;
  findById(id: string): Promise<Connection | null>;
  listByTenant(tenantId: string): Promise<Connection[]>;
  replace(connection: Connection): Promise<boolean>;
  delete(id: string): Promise<boolean>;
}

export interface ClientRepository {
  /** @throws ConflictError when the id is taken. */
  insert(client: Client): Promise<void>;
  findById(id: string): Promise<Client | null>;
  list(page: Page): Promise<Client[]>;
  replace(client: Client): Promise<boolean>;
  delete(id: string): Promise<boolean>;
}

export interface AuditRepository {
  append(event: AuditEvent): Promise<void>;
  /** Newest first. */
  list(query: AuditQuery): Promise<AuditEvent[]>;
}

/** What oidc-provider persists: sessions, interactions, grants, codes, tokens, clients' artefacts. */
export interface OidcPayloadRepository {
  upsert(model: string, id: string, payload: OidcPayload, expiresAt: number | undefined): Promise<void>;
  find(model: string, id: string): Promise<OidcPayload | undefined>;
  findByUid(model: string, uid: string): Promise<OidcPayload | undefined>;
  findByUserCode(model: string, userCode: string): Promise<OidcPayload | undefined>;
  /**
   * Marks the record consumed without deleting it. Only the first call wins: it resolves true,
   * every later (or concurrent) call false, so a code or refresh token is redeemed once.
   */
  consume(model: string, id: string, at: number): Promise<boolean>;
  destroy(model: string, id: string): Promise<void>;
  revokeByGrantId(grantId: string): Promise<void>;
  /** Removes every session, grant, code and token of an account (but the session `keepSessionId`, if given). */
  revokeByAccountId(accountId: string, keepSessionId?: string): Promise<void>;
  /** Removes every record whose expiry has passed; returns how many. */
  purgeExpired(now: number): Promise<number>;
}

export interface OidcPayload {
  [key: string]: unknown;
  grantId?: string;
  uid?: string;
  userCode?: string;
  consumed?: number;
  /** An account id, for sessions and tokens. */
  accountId?: string;
}

export interface OneTimeTokenRepository {
  insert(token: OneTimeToken): Promise<void>;
  findByHash(hash: string): Promise<OneTimeToken | null>;
  /** Marks the token used if it is unused and unexpired; true only for the one call that did. */
  use(hash: string, at: string): Promise<boolean>;
  /** Deletes the account's other tokens of this kind (a new link voids the older ones). */
  voidOthers(accountId: string, kind: OneTimeToken['kind'], keepHash: string): Promise<number>;
  purgeExpired(now: string): Promise<number>;
}

/** Counters per key in fixed time windows, shared by every node (throttling). */
export interface RateLimitRepository {
  /**
   * Counts one hit for `key` in the window that starts at `windowStart` (epoch ms) and
   * returns the count so far, atomically. The record may be dropped after `expiresAt`.
   */
  hit(key: string, windowStart: number, expiresAt: number): Promise<number>;
  /** Removes windows that ended before `now`; returns how many. */
  purgeExpired(now: number): Promise<number>;
}

export interface Storage {
  readonly kind: 'sqlite' | 'mongodb';
  readonly tenants: TenantRepository;
  readonly accounts: AccountRepository;
  readonly clients: ClientRepository;
  readonly audit: AuditRepository;
  readonly oidc: OidcPayloadRepository;
  readonly rateLimits: RateLimitRepository;
  readonly tokens: OneTimeTokenRepository;
  readonly connections: ConnectionRepository;
  /** Resolves when the database answers; rejects otherwise. */
  ping(): Promise<void>;
  /** Writes one tiny record (readiness: proves that writes work, not only reads); rejects otherwise. */
  heartbeat(): Promise<void>;
  close(): Promise<void>;
}
