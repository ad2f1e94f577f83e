import { PASSWORD_INPUT_MAX } from '../config/defaults.js';
import type { AccountRepository } from './repository.js';
import type { Page } from '../paging.js';
import type { AccountSearch } from './search.js';
import { ConflictError, conflict, DomainError, notFound } from '../errors.js';
import { parseOrThrow } from '../validation.js';
import type { TenantPolicy } from '../policy/types.js';
import { effectivePasswordPolicy, passwordViolations } from '../policy/password-rules.js';
import type { PasswordRule, PasswordViolation } from '../policy/types.js';
import { newAccount, normalizeEmail, toPublicAccount, type Account, type PublicAccount } from './types.js';
import type { PersonalNumbers } from './personal-numbers.js';
import { accountCreateSchema, accountUpdateSchema, type AccountCreateInput, type AccountUpdateInput } from './schema.js';
import type { PasswordHasher } from './password-hasher.js';
import { preparePassword } from './password-setter.js';
import { afterFailedAttempt, afterRefund, afterSuccessfulLogin, isLocked, unlocked } from './lockout.js';

/** What one sign-in attempt did to one candidate account. */
export type SignInAttempt =
  | { outcome: 'ok'; account: Account; nonCompliant: PasswordViolation[] }
  | { outcome: 'unknown_account'; account: null }
  | { outcome: 'wrong_password' | 'locked' | 'not_active'; account: Account; lockedNow: boolean };

/** One counted (or refused) attempt at a secret, before the secret is checked. */
export type Attempt =
  | { counted: true; account: Account; lockedNow: boolean }
  | { counted: false; refusal: { outcome: 'locked' | 'not_active'; account: Account; lockedNow: false } };

export interface AccountServiceDeps {
  accounts: AccountRepository;
  hasher: PasswordHasher;
  personalNumbers: PersonalNumbers;
  policyOf(tenantId: string): Promise<TenantPolicy>;
  /** Ends every session and revokes every grant and token of the account (but the session `keepSessionId`). */
  revokeSessions(accountId: string, keepSessionId?: string): Promise<void>;
  /**
   * Voids the account's pending registration and reset links: called after any change of its
   * password or e-mail address, so a link never outlives what it was sent for (or to).
   */
  voidPendingLinks(accountId: string): Promise<void>;
  clock?: () => Date;
}

/** The rules the staff floor adds (STAFF_PASSWORD_FLOOR); history cannot be judged from one password. */
const STAFF_FLOOR_RULES = new Set<PasswordRule>(['password.too_short', 'password.common', 'password.contains_email']);

export class AccountService {
  private readonly accounts: AccountRepository;
  private readonly hasher: PasswordHasher;
  private readonly clock: () => Date;

  constructor(private readonly deps: AccountServiceDeps) {
    this.accounts = deps.accounts;
    this.hasher = deps.hasher;
    this.clock = deps.clock ?? (() => new Date());
  }

  /** An administrator's new account always has an e-mail address (only an e-ID sign-in makes one without). */
  async create(tenantId: string, input: AccountCreateInput): Promise<Account & { email: string; emailNormalized: string }> {
    const data = parseOrThrow(accountCreateSchema, input);
    const now = this.clock().toISOString();
    const draft = newAccount({ tenantId, email: data.email, name: data.name ?? null, staff: data.staff, locale: data.locale ?? null }, now);
    const account = data.password
      ? { ...draft, ...(await this.preparePassword(draft, data.password)), passwordChangedAt: now, state: 'active' as const }
      : draft;
    try {
      await this.accounts.insert(account);
    } catch (error) {
      if (error instanceof ConflictError) throw conflict('an account with this e-mail already exists in the tenant');
      throw error;
    }
    // Made from data.email above, which the schema requires.
    return account as Account & { email: string; emailNormalized: string };
  }

  async get(tenantId: string, id: string): Promise<Account> {
    const account = await this.accounts.findById(id);
    if (!account || account.tenantId !== tenantId) throw notFound('account');
    return account;
  }

  findById(id: string): Promise<Account | null> {
    return this.accounts.findById(id);
  }

  /** The account as administrators and exports see it: the personnummer masked. */
  toPublic(account: Account): PublicAccount {
    return toPublicAccount(account, this.deps.personalNumbers.masked(account));
  }

  /** Seals the account's personnummer again with the newest key, if it is not already; true when it did. */
  async resealPersonalNumber(id: string): Promise<boolean> {
    const result = await this.accounts.update(id, (account) => {
      const personalNumber = this.deps.personalNumbers.resealed(account);
      return personalNumber ? { ...account, personalNumber } : null;
    });
    return result !== null;
  }

  /** The tenant's account tied to this (normalised) personnummer. */
  async findByPersonalNumber(tenantId: string, normalized: string): Promise<Account | null> {
    return this.accounts.findByPersonalNumber(tenantId, await this.deps.personalNumbers.hashOf(tenantId, normalized));
  }

  async getByEmail(tenantId: string, email: string): Promise<Account> {
    const account = await this.accounts.findByEmail(tenantId, normalizeEmail(email));
    if (!account) throw notFound('account');
    return account;
  }

  /** Accounts that may reset their password by e-mail: not disabled. */
  async findForReset(email: string, tenantId?: string): Promise<Account[]> {
    const found = await this.withEmail(email, tenantId);
    return found.filter((account) => account.state !== 'disabled');
  }

  list(tenantId: string, page: Page): Promise<Account[]> {
    return this.accounts.listByTenant(tenantId, page);
  }

  /** Finds a tenant's accounts by e-mail or name prefix, state and 2FA, page by page (in id order). */
  search(tenantId: string, search: AccountSearch): Promise<Account[]> {
    return this.accounts.search(tenantId, search);
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
    // A lock is lifted only by the unlock operation, which clears the counter and records why.
    if (data.state === 'active' && (current.state === 'locked' || current.lockedAt !== null)) {
      throw new DomainError('conflict', 'the account is locked; unlock it (with a reason) instead', [
        { field: 'state', code: 'locked_use_unlock', message: 'use the unlock operation to lift a lock' },
      ]);
    }
    const password = data.password ? await this.preparePassword({ ...current, email, staff }, data.password) : null;
    const personalNumber = await this.personalNumberChange(current, data.personalNumber);
    const now = this.clock().toISOString();
    const result = await this.change(id, (account) => ({
      ...account,
      email,
      emailNormalized: normalizeEmail(email),
      personalNumber: personalNumber === undefined ? account.personalNumber : personalNumber,
      name: data.name === undefined ? account.name : data.name,
      locale: data.locale === undefined ? account.locale : data.locale,
      staff,
      ...(password ? { ...password, passwordChangedAt: now } : {}),
      state: data.state ?? (password && account.state === 'invited' ? 'active' : account.state),
      updatedAt: now,
    }));
    // A disabled account, or one whose password an administrator replaced, keeps no session anywhere.
    if (password || (result.after.state === 'disabled' && result.before.state !== 'disabled')) await this.deps.revokeSessions(id);
    const emailChanged = result.after.emailNormalized !== result.before.emailNormalized;
    if (password || emailChanged) await this.deps.voidPendingLinks(id);
    return result;
  }

  /**
   * The stored form of a personnummer the request sets (null: removed; undefined: untouched).
   * One already tied to another account of the tenant is a conflict; the unique index settles a race.
   */
  private async personalNumberChange(current: Account, normalized: string | null | undefined) {
    if (normalized === undefined || normalized === null) return normalized;
    const holder = await this.findByPersonalNumber(current.tenantId, normalized);
    if (holder && holder.id !== current.id)
      throw new DomainError('conflict', 'this personnummer is tied to another account of the tenant', [
        { field: 'personalNumber', code: 'taken', message: 'tied to another account of the tenant' },
      ]);
    return this.deps.personalNumbers.protect(current.tenantId, current.id, normalized);
  }

  /**
   * Sets a new password under the tenant's policy (history included); an invited account
   * becomes active. `gate` runs after the policy passed and before anything is written (a
   * link is spent there, so a refused password does not spend it); `unlock` also lifts a lock.
   */
  async setPassword(
    tenantId: string,
    id: string,
    password: string,
    options: { gate?: () => Promise<boolean>; unlock?: boolean } = {},
  ): Promise<{ before: Account; after: Account }> {
    const current = await this.get(tenantId, id);
    const prepared = await this.preparePassword(current, password);
    if (options.gate && !(await options.gate())) throw new DomainError('forbidden', 'the link is no longer valid');
    const now = this.clock();
    const result = await this.change(id, (account) => {
      const opened = options.unlock ? unlocked(account, now) : account;
      return {
        ...opened,
        ...prepared,
        passwordChangedAt: now.toISOString(),
        state: opened.state === 'invited' ? 'active' : opened.state,
        updatedAt: now.toISOString(),
      };
    });
    await this.deps.voidPendingLinks(id);
    return result;
  }

  /** After the person changed their own password: every other session and token ends, this one stays. */
  endOtherSessions(accountId: string, currentSessionId: string): Promise<void> {
    return this.deps.revokeSessions(accountId, currentSessionId);
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
   * answers take the same time. Each candidate's attempt is counted atomically *before* the
   * password is compared and given back if it was right, so a burst of parallel guesses can
   * test no more passwords than the lockout allows. A wrong password does not count when the
   * same password opened another of the candidates.
   */
  async signIn(
    email: string,
    password: string,
    tenantId?: string,
    eligible: (account: Account) => Promise<boolean> = async () => true,
  ): Promise<SignInAttempt[]> {
    const found = await this.withEmail(email, tenantId);
    // Only accounts a password can open here take part (and count): not one without a password, in
    // a tenant that signs in upstream only, or that this app may not use. Nobody can lock those
    // out by guessing at a password they do not have.
    const admitted = await Promise.all(found.map(async (a) => a.passwordHash !== null && (await eligible(a))));
    const candidates = found.filter((_, i) => admitted[i]);
    if (candidates.length === 0) {
      await this.hasher.verifyDecoy(password);
      return [{ outcome: 'unknown_account', account: null }];
    }
    const attempts = await Promise.all(candidates.map((account) => this.beginAttempt(account)));
    const matches = await Promise.all(
      candidates.map((a) => (a.passwordHash === null ? this.hasher.verifyDecoy(password) : this.hasher.verify(password, a.passwordHash))),
    );
    const someMatch = matches.includes(true);
    return Promise.all(
      attempts.map(async (attempt, i): Promise<SignInAttempt> => {
        if (!attempt.counted) return attempt.refusal;
        if (matches[i] || someMatch) {
          const refunded = await this.refundAttempt(attempt);
          if (!refunded) return { outcome: 'locked', account: attempt.account, lockedNow: false };
          // The counter is cleared only when the whole sign-in succeeds (completeSignIn): a right
          // password followed by wrong codes keeps counting toward the lockout.
          return matches[i]
            ? {
                outcome: 'ok',
                account: await this.rehashIfDue(refunded, password),
                nonCompliant: await this.complianceOf(refunded, password),
              }
            : { outcome: 'wrong_password', account: refunded, lockedNow: false };
        }
        await this.settleFailedAttempt(attempt);
        return { outcome: 'wrong_password', account: attempt.account, lockedNow: attempt.lockedNow };
      }),
    );
  }

  /**
   * Re-checks the password of someone already signed in (before a sensitive change).
   * A wrong password counts toward the lockout like any other guess.
   */
  async confirmPassword(account: Account, password: string): Promise<{ ok: boolean; lockedNow: boolean; account: Account }> {
    const attempt = await this.beginAttempt(account);
    if (!attempt.counted) return { ok: false, lockedNow: false, account: attempt.refusal.account };
    const ok =
      account.passwordHash !== null && password.length <= PASSWORD_INPUT_MAX && (await this.hasher.verify(password, account.passwordHash));
    if (ok) {
      const refunded = await this.refundAttempt(attempt);
      return refunded ? { ok, lockedNow: false, account: refunded } : { ok: false, lockedNow: false, account: attempt.account };
    }
    await this.settleFailedAttempt(attempt);
    return { ok, lockedNow: attempt.lockedNow, account: attempt.account };
  }

  /**
   * Counts one attempt (password or code) against the tenant's lockout rule, atomically, before
   * the secret is checked. Not counted when the account is locked, disabled or invited.
   */
  async beginAttempt(account: Account): Promise<Attempt> {
    const { lockout } = await this.deps.policyOf(account.tenantId);
    const now = this.clock();
    const result = await this.accounts.update(account.id, (current) => afterFailedAttempt(current, lockout, now));
    if (!result) {
      const current = (await this.accounts.findById(account.id)) ?? account;
      return { counted: false, refusal: { outcome: isLocked(current, now) ? 'locked' : 'not_active', account: current, lockedNow: false } };
    }
    // afterFailedAttempt only counts on an open account, so ending locked means this attempt locked it.
    return { counted: true, account: result.after, lockedNow: result.after.state === 'locked' };
  }

  /** Gives back a counted attempt whose secret was right; null when other attempts locked the account. */
  async refundAttempt(attempt: Extract<Attempt, { counted: true }>): Promise<Account | null> {
    const result = await this.accounts.update(attempt.account.id, (current) => afterRefund(current, attempt.lockedNow, this.clock()));
    return result?.after ?? null;
  }

  /** A wrong secret stays counted; if it locked the account, every session ends. */
  async settleFailedAttempt(attempt: Extract<Attempt, { counted: true }>): Promise<void> {
    if (attempt.lockedNow) await this.deps.revokeSessions(attempt.account.id);
  }

  /**
   * Every step of a sign-in passed: clear the failure counter (and an expired lock), stamp the
   * time. Null (and nothing written) if the account got locked meanwhile: the sign-in must stop.
   */
  async completeSignIn(accountId: string): Promise<Account | null> {
    const result = await this.accounts.update(accountId, (current) => afterSuccessfulLogin(current, this.clock()));
    return result?.after ?? null;
  }

  /** After a right password: a hash made at another cost than the configured one is made again (a cost migration). */
  private async rehashIfDue(account: Account, password: string): Promise<Account> {
    const old = account.passwordHash;
    if (old === null || !this.hasher.needsRehash(old)) return account;
    const renewed = await this.hasher.hash(password);
    const result = await this.accounts.update(account.id, (current) =>
      current.passwordHash === old ? { ...current, passwordHash: renewed } : null,
    );
    if (!result) return account;
    this.hasher.replaced(old, renewed);
    return result.after;
  }

  /** Every account with this e-mail: in one tenant when given, else in all. */
  private async withEmail(email: string, tenantId?: string): Promise<Account[]> {
    const normalized = normalizeEmail(email);
    if (!tenantId) return this.accounts.findAllByEmail(normalized);
    const account = await this.accounts.findByEmail(tenantId, normalized);
    return account ? [account] : [];
  }

  /**
   * Rules the password breaks and that must be mended at this sign-in: every rule when the tenant
   * makes non-compliant passwords change, and for staff always the staff floor (R4), so an account
   * promoted to staff does not keep a password the floor would refuse.
   */
  private async complianceOf(account: Account, password: string): Promise<PasswordViolation[]> {
    const { password: policy } = await this.deps.policyOf(account.tenantId);
    const violations = passwordViolations(effectivePasswordPolicy(policy, account.staff), password, account.email ?? '');
    if (policy.changeNonCompliantAtLogin) return violations;
    return account.staff ? violations.filter((v) => STAFF_FLOOR_RULES.has(v.rule)) : [];
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
      if (error instanceof ConflictError) throw conflict('an account with this e-mail or personnummer already exists in the tenant');
      throw error;
    }
  }
}
