import type { AccountRepository, Page } from '../storage/port.js';
import { ConflictError } from '../storage/errors.js';
import { newId } from '../storage/ids.js';
import { DomainError, conflict, notFound } from '../errors.js';
import { parseOrThrow } from '../validation.js';
import { normalizeEmail, type Account } from './types.js';
import { accountCreateSchema, accountUpdateSchema, type AccountCreateInput, type AccountUpdateInput } from './schema.js';
import type { PasswordHasher } from './password-hasher.js';

export type PasswordCheck =
  | { ok: true; account: Account }
  | { ok: false; reason: 'unknown_account' | 'wrong_password' | 'not_active'; account: Account | null };

export class AccountService {
  constructor(
    private readonly accounts: AccountRepository,
    private readonly hasher: PasswordHasher,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async create(tenantId: string, input: AccountCreateInput): Promise<Account> {
    const data = parseOrThrow(accountCreateSchema, input);
    const now = this.clock().toISOString();
    const account: Account = {
      id: newId(),
      tenantId,
      email: data.email,
      emailNormalized: normalizeEmail(data.email),
      name: data.name ?? null,
      passwordHash: data.password ? await this.hasher.hash(data.password) : null,
      state: data.password ? 'active' : 'invited',
      lockedReason: null,
      lockedAt: null,
      failedAttempts: 0,
      lastLoginAt: null,
      createdAt: now,
      updatedAt: now,
    };
    try {
      await this.accounts.insert(account);
    } catch (error) {
      if (error instanceof ConflictError) throw conflict('an account with this e-mail already exists in the tenant');
      throw error;
    }
    return account;
  }

  async get(tenantId: string, id: string): Promise<Account> {
    const account = await this.accounts.findById(id);
    if (!account || account.tenantId !== tenantId) throw notFound('account');
    return account;
  }

  findById(id: string): Promise<Account | null> {
    return this.accounts.findById(id);
  }

  async getByEmail(tenantId: string, email: string): Promise<Account> {
    const account = await this.accounts.findByEmail(tenantId, normalizeEmail(email));
    if (!account) throw notFound('account');
    return account;
  }

  list(tenantId: string, page: Page): Promise<Account[]> {
    return this.accounts.listByTenant(tenantId, page);
  }

  async update(tenantId: string, id: string, input: AccountUpdateInput): Promise<{ before: Account; after: Account }> {
    const data = parseOrThrow(accountUpdateSchema, input);
    const before = await this.get(tenantId, id);
    if (data.state === 'active' && before.passwordHash === null && !data.password) {
      throw new DomainError('validation_failed', 'the request is not valid', [
        { field: 'state', code: 'no_password', message: 'an invited account becomes active when a password is set' },
      ]);
    }
    const after: Account = {
      ...before,
      email: data.email ?? before.email,
      emailNormalized: data.email ? normalizeEmail(data.email) : before.emailNormalized,
      name: data.name === undefined ? before.name : data.name,
      state: data.state ?? (data.password && before.state === 'invited' ? 'active' : before.state),
      passwordHash: data.password ? await this.hasher.hash(data.password) : before.passwordHash,
      updatedAt: this.clock().toISOString(),
    };
    try {
      if (!(await this.accounts.replace(after))) throw notFound('account');
    } catch (error) {
      if (error instanceof ConflictError) throw conflict('an account with this e-mail already exists in the tenant');
      throw error;
    }
    return { before, after };
  }

  async delete(tenantId: string, id: string): Promise<Account> {
    const account = await this.get(tenantId, id);
    await this.accounts.delete(account.id);
    return account;
  }

  /**
   * Checks a password against every account with this e-mail (in one tenant when given).
   * Always spends at least one bcrypt comparison, so an unknown e-mail answers in the
   * same time class as a known one.
   */
  async checkPassword(email: string, password: string, tenantId?: string): Promise<PasswordCheck[]> {
    const normalized = normalizeEmail(email);
    const candidates = tenantId
      ? [await this.accounts.findByEmail(tenantId, normalized)].filter((a): a is Account => a !== null)
      : await this.accounts.findAllByEmail(normalized);
    if (candidates.length === 0) {
      await this.hasher.verifyDecoy(password);
      return [{ ok: false, reason: 'unknown_account', account: null }];
    }
    const checks: PasswordCheck[] = [];
    for (const account of candidates) {
      if (account.passwordHash === null) {
        await this.hasher.verifyDecoy(password);
        checks.push({ ok: false, reason: 'not_active', account });
        continue;
      }
      const matches = await this.hasher.verify(password, account.passwordHash);
      if (!matches) checks.push({ ok: false, reason: 'wrong_password', account });
      else if (account.state !== 'active') checks.push({ ok: false, reason: 'not_active', account });
      else checks.push({ ok: true, account });
    }
    return checks;
  }

  /** Lifts a lock and clears the failed-attempt counter. */
  async unlock(tenantId: string, id: string): Promise<{ before: Account; after: Account }> {
    const before = await this.get(tenantId, id);
    if (before.state !== 'locked' && before.failedAttempts === 0) return { before, after: before };
    const after: Account = {
      ...before,
      state: before.state === 'locked' ? 'active' : before.state,
      lockedReason: null,
      lockedAt: null,
      failedAttempts: 0,
      updatedAt: this.clock().toISOString(),
    };
    if (!(await this.accounts.replace(after))) throw notFound('account');
    return { before, after };
  }

  recordLogin(id: string): Promise<void> {
    return this.accounts.recordLogin(id, this.clock().toISOString());
  }
}
