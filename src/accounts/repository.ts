import type { Page } from '../paging.js';
import type { Account } from './types.js';
import type { AccountSearch } from './search.js';

/** What the accounts capability needs from a store. */
export interface AccountRepository {
  /** @throws ConflictError when the e-mail or the personnummer is taken in the tenant. */
  insert(account: Account): Promise<void>;
  findById(id: string): Promise<Account | null>;
  findByEmail(tenantId: string, emailNormalized: string): Promise<Account | null>;
  /** Every account with this e-mail, across tenants (for the tenant choice at login). */
  findAllByEmail(emailNormalized: string): Promise<Account[]>;
  /** The account of the tenant whose personnummer has this hash (PersonalNumbers.hashOf); unique per tenant. */
  findByPersonalNumber(tenantId: string, hash: string): Promise<Account | null>;
  listByTenant(tenantId: string, page: Page): Promise<Account[]>;
  /** Accounts of a tenant matching the search, in id order, from an index of their e-mail and name terms. */
  search(tenantId: string, search: AccountSearch): Promise<Account[]>;
  /** The account an upstream identity is linked to. (connection, subject) is unique across accounts. */
  findByIdentity(connectionId: string, subject: string): Promise<Account | null>;
  /** Removes every identity link of a connection (when it is deleted); returns how many accounts changed. */
  unlinkConnection(connectionId: string): Promise<number>;
  /**
   * Applies `change` to the current record atomically: no other writer, in this process or
   * another, changes the record between the read and the write (security counters rely on it).
   * `change` may run more than once and must be pure. Resolves null when the record does not
   * exist or `change` returns null (nothing written).
   * @throws ConflictError when the change takes an e-mail or a personnummer already used in the tenant, or links an identity linked elsewhere.
   */
  update(id: string, change: AccountChange): Promise<{ before: Account; after: Account } | null>;
  delete(id: string): Promise<boolean>;
  deleteByTenant(tenantId: string): Promise<number>;
}

export type AccountChange = (current: Account) => Account | null;
