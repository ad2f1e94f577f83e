import type { AccountRepository, Page } from '../storage/port.js';
import { ConflictError } from '../storage/errors.js';
import { newId } from '../storage/ids.js';
import { conflict, DomainError, notFound } from '../errors.js';
import { parseOrThrow } from '../validation.js';
import type { TenantPolicy } from '../policy/types.js';
import { effectivePasswordPolicy, passwordViolations } from '../policy/password-rules.js';
import type { PasswordViolation } from '../policy/types.js';
import { normalizeEmail, type Account } from './types.js';
import { accountCreateSchema, accountUpdateSchema, type AccountCreateInput, type AccountUpdateInput } from './schema.js';
import type { PasswordHasher } from './password-hasher.js';
import { preparePassword } from './password-setter.js';
import { afterFailedAttempt, afterSuccessfulLogin, isLocked, unlocked } from './lockout.js';

/** What one sign-in attempt did to one candidate account. */
export type SignInAttempt =
  | { outcome: 'ok'; account: Account; nonCompliant: PasswordViolation[] }
  | { outcome: 'unknown_account'; account: null }
  | { outcome: 'wrong_password' | 'locked' | 'not_active'; account: Account; lockedNow: boolean };

export interface AccountServiceDeps {
  accounts: AccountRepository;
  hasher: PasswordHasher;
  policyOf(tenantId: string): Promise<TenantPolicy>;
  /** Ends every session and revokes every grant and token of the account. */
  revokeSessions(accountId: string): Promise<void>;
  clock?: () => Date;
}

export class AccountService {
  private readonly accounts: AccountRepository;
  private readonly hasher: PasswordHasher;
  private readonly clock: () => Date;

  constructor(private readonly deps: AccountServiceDeps) {
    this.accounts = deps.accounts;
    this.hasher = deps.hasher;
    this.clock = deps.clock ?? (() => new Date());
  }

  async create(tenantId: string, input: AccountCreateInput): Promise<Account> {
    const data = parseOrThrow(accountCreateSchema, input);
    const now = this.clock().toISOString();
    const draft: Account = {
      id: newId(),
      tenantId,
      email: data.email,
      emailNormalized: normalizeEmail(data.email),
      name: data.name ?? null,
      staff: data.staff,
      passwordHash: null,
      passwordHistory: [],
      passwordChangedAt: null,
      state: 'invited',
      lockedReason: null,
      lockedAt: null,
      lockedUntil: null,
      failedAttempts: 0,
      lastLoginAt: null,
      totp: null,
      recoveryCodeHashes: [],
      locale: data.locale ?? null,
      identities: [],
      createdAt: now,
      updatedAt: now,
    };
    const account = data.password
      ? { ...draft, ...(await this.preparePassword(draft, data.password)), passwordChangedAt: now, state: 'active' as const }
      : draft;
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

  /** Accounts that may reset their password by e-mail: not disabled. */
  async findForReset(email: string, tenantId?: string): Promise<Account[]> {
    const normalized = normalizeEmail(email);
    const found = tenantId
      ? [await this.accounts.findByEmail(tenantId, normalized)].filter((a): a is Account => a !== null)
      : await this.accounts.findAllByEmail(normalized);
    return found.filter((account) => account.state !== 'disabled');
  }

  list(tenantId: string, page: Page): Promise<Account[]> {
    return this.accounts.listByTenant(tenantId, page);
  }

  async update(tenantId: string, id: string, input: AccountUpdateInput): Promise<{ before: Account; after: Account }> {
    const data = parseOrThrow(accountUpdateSchema, input);
    const current = await this.get(tenantId, id);
    const email = data.email ?? current.email;
    const staff = data.staff ?? current.staff;
    if (data.state === 'active' && current.passwordHash === null && !data.password) {
      throw new DomainError('validation_failed', 'the request is not valid', [
        { field: 'state', code: 'no_password', message: 'an invited account becomes active when a password is set' },
      ]);
    }
    const password = data.password ? await this.preparePassword({ ...current, email, staff }, data.password) : null;
    const now = this.clock().toISOString();
    const result = await this.change(id, (account) => ({
      ...account,
      email,
      emailNormalized: normalizeEmail(email),
      name: data.name === undefined ? account.name : data.name,
      locale: data.locale === undefined ? account.locale : data.locale,
      staff,
      ...(password ? { ...password, passwordChangedAt: now } : {}),
      state: data.state ?? (password && account.state === 'invited' ? 'active' : account.state),
      updatedAt: now,
    }));
    // A disabled account, or one whose password an administrator replaced, keeps no session anywhere.
    if (password || (result.after.state === 'disabled' && result.before.state !== 'disabled')) await this.deps.revokeSessions(id);
    return result;
  }

  /**
   * Sets a new password under the tenant's policy (history included); an invited account
   * becomes active. `gate` runs after the policy passed and before anything is written (a
   * link is spent there, so a refused password does not spend it); `unlock` also lifts a lock.
   */
  async setPassword(
    tenantId: string, id: string, password: string, options: { gate?: () => Promise<boolean>; unlock?: boolean } = {},
  ): Promise<{ before: Account; after: Account }> {
    const current = await this.get(tenantId, id);
    const prepared = await this.preparePassword(current, password);
    if (options.gate && !(await options.gate())) throw new DomainError('forbidden', 'the link is no longer valid');
    const now = this.clock();
    return this.change(id, (account) => {
      const opened = options.unlock ? unlocked(account, now) : account;
      return {
        ...opened,
        ...prepared,
        passwordChangedAt: now.toISOString(),
        state: opened.state === 'invited' ? 'active' : opened.state,
        updatedAt: now.toISOString(),
      };
    });
  }

  async delete(tenantId: string, id: string): Promise<Account> {
    const account = await this.get(tenantId, id);
    await this.accounts.delete(account.id);
    await this.deps.revokeSessions(account.id);
    return account;
  }

  /** Lifts a lock and clears the failed-attempt counter, atomically. */
  async unlock(tenantId: string, id: string): Promise<{ before: Account; after: Account }> {
    await this.get(tenantId, id);
    return this.change(id, (account) => unlocked(account, this.clock()));
  }

  /**
   * Checks a password against every account with this e-mail (in one tenant when given).
   * Every candidate costs one bcrypt comparison, and an unknown e-mail costs one too, so
   * answers take the same time. A wrong password counts toward the lockout, atomically,
   * unless the password opened another of the candidates.
   */
  async signIn(email: string, password: string, tenantId?: string): Promise<SignInAttempt[]> {
    const normalized = normalizeEmail(email);
    const candidates = tenantId
      ? [await this.accounts.findByEmail(tenantId, normalized)].filter((a): a is Account => a !== null)
      : await this.accounts.findAllByEmail(normalized);
    if (candidates.length === 0) {
      await this.hasher.verifyDecoy(password);
      return [{ outcome: 'unknown_account', account: null }];
    }
    const matches = await Promise.all(candidates.map((a) =>
      a.passwordHash === null ? this.hasher.verifyDecoy(password) : this.hasher.verify(password, a.passwordHash)));
    const someMatch = matches.includes(true);
    const now = this.clock();
    return Promise.all(candidates.map(async (account, i): Promise<SignInAttempt> => {
      if (isLocked(account, now)) return { outcome: 'locked', account, lockedNow: false };
      if (matches[i]) {
        if (account.state !== 'active' && account.state !== 'locked') return { outcome: 'not_active', account, lockedNow: false };
        // The counter is cleared only when the whole sign-in succeeds (completeSignIn): a right
        // password followed by wrong codes must keep counting toward the lockout.
        return { outcome: 'ok', account, nonCompliant: await this.complianceOf(account, password) };
      }
      if (someMatch || account.state === 'disabled' || account.state === 'invited') {
        return { outcome: account.state === 'active' ? 'wrong_password' : 'not_active', account, lockedNow: false };
      }
      return this.countFailure(account);
    }));
  }

  /**
   * Re-checks the password of someone already signed in (before a sensitive change).
   * A wrong password counts toward the lockout like any other guess.
   */
  async confirmPassword(account: Account, password: string): Promise<{ ok: boolean; lockedNow: boolean; account: Account }> {
    const ok = account.passwordHash !== null && password.length <= 1024 && (await this.hasher.verify(password, account.passwordHash));
    if (ok) return { ok, lockedNow: false, account };
    const counted = await this.countFailure(account);
    return { ok, lockedNow: 'lockedNow' in counted && counted.lockedNow, account: counted.account ?? account };
  }

  /** Every step of a sign-in passed: clear the failure counter (and an expired lock), stamp the time. */
  async completeSignIn(accountId: string): Promise<Account> {
    return (await this.change(accountId, (current) => afterSuccessfulLogin(current, this.clock()))).after;
  }

  /** Counts one failed attempt (password or code) against the tenant's lockout rule. */
  async countFailure(account: Account): Promise<SignInAttempt> {
    const { lockout } = await this.deps.policyOf(account.tenantId);
    const result = await this.accounts.update(account.id, (current) => afterFailedAttempt(current, lockout, this.clock()));
    if (!result) return { outcome: isLocked(account, this.clock()) ? 'locked' : 'not_active', account, lockedNow: false };
    const lockedNow = result.after.state === 'locked' && isLocked(result.after, this.clock());
    if (lockedNow) await this.deps.revokeSessions(account.id);
    return { outcome: 'wrong_password', account: result.after, lockedNow };
  }

  /** Rules the password breaks, when the tenant makes non-compliant passwords change at sign-in. */
  private async complianceOf(account: Account, password: string): Promise<PasswordViolation[]> {
    const { password: policy } = await this.deps.policyOf(account.tenantId);
    if (!policy.changeNonCompliantAtLogin) return [];
    return passwordViolations(effectivePasswordPolicy(policy, account.staff), password, account.email);
  }

  private async preparePassword(owner: Account, password: string) {
    const { password: policy } = await this.deps.policyOf(owner.tenantId);
    return preparePassword(this.hasher, policy, owner, password);
  }

  private async change(id: string, change: (account: Account) => Account) {
    try {
      const result = await this.accounts.update(id, change);
      if (!result) throw notFound('account');
      return result;
    } catch (error) {
      if (error instanceof ConflictError) throw conflict('an account with this e-mail already exists in the tenant');
      throw error;
    }
  }
}
