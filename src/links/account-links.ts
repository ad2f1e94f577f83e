import type { AccountService } from '../accounts/service.js';
import type { Account } from '../accounts/types.js';
import { ANY_AUDIENCE, tenantRefusal, type SignInAudience, type SignInEligibility } from '../accounts/sign-in-eligibility.js';
import type { AuditService } from '../audit/service.js';
import type { RequestOrigin } from '../audit/types.js';
import { DomainError } from '../errors.js';
import type { Locale } from '../i18n/messages.js';
import type { Logger } from '../log/logger.js';
import { fromTenant, mailLocale } from '../mail/addressing.js';
import type { MailService } from '../mail/service.js';
import { passwordChangedMail, registrationMail, resetMail } from '../mail/templates.js';
import type { TenantService } from '../tenants/service.js';
import type { Tenant } from '../tenants/types.js';
import type { Throttle } from '../throttle/throttle.js';
import type { LinkTokens, TokenProblem } from './link-tokens.js';
import type { OneTimeToken } from './types.js';

/** The throttle counters kept per account (a purge removes them with the account). */
export const accountThrottleKeys = (accountId: string) => ({ registration: `registration:${accountId}`, reset: `reset:${accountId}` });

export const SET_PASSWORD_PATH = '/password/set';

/** A registration or reset link that cannot be used. */
export class LinkProblem extends Error {
  constructor(readonly problem: TokenProblem) {
    super(`the link cannot be used: ${problem}`);
    this.name = 'LinkProblem';
  }
}

export interface AccountLinksDeps {
  issuer: string;
  tokens: LinkTokens;
  accounts: AccountService;
  eligibility: SignInEligibility;
  tenants: TenantService;
  mail: MailService;
  audit: AuditService;
  /** Links per account (resends, reset requests). */
  perAccount: Throttle;
  revokeSessions(accountId: string): Promise<void>;
  logger: Logger;
}

/** Registration and reset e-mails with single-use, expiring links, and what happens when one is followed. */
export class AccountLinks {
  constructor(private readonly deps: AccountLinksDeps) {}

  private url(token: string): string {
    return `${this.deps.issuer}${SET_PASSWORD_PATH}?token=${token}`;
  }

  private async tenantOf(account: Account): Promise<Tenant> {
    const tenant = await this.deps.tenants.findById(account.tenantId);
    if (!tenant) throw new DomainError('not_found', 'tenant not found');
    return tenant;
  }

  /** Sends (or re-sends) the registration link of an invited account; false when delivery failed. */
  async sendInvitation(account: Account, requestLocale: Locale): Promise<boolean> {
    const { email } = account;
    if (email === null) {
      throw new DomainError('conflict', 'the account has no e-mail address to send the invitation to', [
        { field: 'email', code: 'no_email', message: 'set an e-mail address first' },
      ]);
    }
    if (account.state !== 'invited') {
      throw new DomainError('conflict', 'the account is not waiting for its first password', [
        { field: 'state', code: 'not_invited', message: `the account is ${account.state}` },
      ]);
    }
    const tenant = await this.tenantOf(account);
    if (!tenant.passwordsAllowed) {
      throw new DomainError('conflict', 'the tenant signs in through its upstream identity provider only; no password to choose', [
        { field: 'invite', code: 'passwords_not_allowed', message: 'the tenant does not allow passwords' },
      ]);
    }
    const verdict = await this.deps.perAccount.hit(accountThrottleKeys(account.id).registration);
    if (!verdict.allowed)
      throw new DomainError('rate_limited', `too many invitations for this account; try again in ${verdict.retryAfterSeconds} s`);
    const validMinutes = tenant.links.registrationHours * 60;
    const token = await this.deps.tokens.issue('registration', account, validMinutes * 60_000, null);
    const message = registrationMail(mailLocale(account, tenant, requestLocale), email, {
      tenantName: tenant.name,
      url: this.url(token),
      validMinutes,
    });
    return this.deps.mail.deliver(fromTenant(message, tenant), { kind: 'registration', tenantId: tenant.id, accountId: account.id });
  }

  /**
   * "Forgot password": sends a reset link to every account with this e-mail that could sign in
   * with a password for this audience (the app's tenants, the tenant it names). Says nothing
   * back: the caller answers the same either way.
   */
  async requestReset(
    email: string,
    audience: SignInAudience,
    returnTo: string | null,
    requestLocale: Locale,
    origin: RequestOrigin,
  ): Promise<void> {
    const found = await this.deps.accounts.findForReset(email, audience.requestedTenantId);
    const allowed = await Promise.all(found.map((a) => this.deps.eligibility.admitsPassword(a, audience)));
    const accounts = found.filter((_, i) => allowed[i]);
    if (accounts.length === 0) {
      await this.audit(null, 'failure', 'unknown_account', origin, { email });
      return;
    }
    for (const account of accounts) {
      // Found by its e-mail address, so it has one.
      const email = account.email ?? '';
      const verdict = await this.deps.perAccount.hit(accountThrottleKeys(account.id).reset);
      if (!verdict.allowed) {
        await this.audit(account, 'failure', 'rate_limited', origin);
        continue;
      }
      const tenant = await this.tenantOf(account);
      const validMinutes = tenant.links.resetMinutes;
      const token = await this.deps.tokens.issue('reset', account, validMinutes * 60_000, returnTo);
      const message = resetMail(mailLocale(account, tenant, requestLocale), email, {
        tenantName: tenant.name,
        url: this.url(token),
        validMinutes,
      });
      const sent = await this.deps.mail.deliver(fromTenant(message, tenant), { kind: 'reset', tenantId: tenant.id, accountId: account.id });
      await this.audit(account, sent ? 'success' : 'failure', sent ? null : 'delivery_failed', origin);
    }
  }

  /** What a followed link is for, if it can still be used. */
  async inspect(token: string): Promise<{ record: OneTimeToken; account: Account; tenant: Tenant }> {
    const inspected = await this.deps.tokens.inspect(token);
    if (!inspected.ok) throw new LinkProblem(inspected.problem);
    const account = await this.deps.accounts.findById(inspected.record.accountId);
    if (!account || account.state === 'disabled') throw new LinkProblem('unknown');
    const tenant = await this.tenantOf(account);
    if (tenantRefusal(tenant, ANY_AUDIENCE, 'password')) throw new LinkProblem('unknown');
    // A registration link sets the first password only; it is no reset link in disguise.
    if (inspected.record.kind === 'registration' && account.state !== 'invited') throw new LinkProblem('used');
    return { record: inspected.record, account, tenant };
  }

  /**
   * Sets the password through a link. The policy is checked first (a refused password does
   * not spend the link), then the link is spent atomically, then the password is written.
   * A reset also ends every session and, where the tenant allows it, lifts a lock.
   */
  async complete(
    token: string,
    password: string,
    requestLocale: Locale,
    origin: RequestOrigin,
  ): Promise<{ account: Account; record: OneTimeToken }> {
    const { record, account, tenant } = await this.inspect(token);
    const reset = record.kind === 'reset';
    let after: Account;
    try {
      ({ after } = await this.deps.accounts.setPassword(account.tenantId, account.id, password, {
        gate: () => this.deps.tokens.use(token),
        unlock: reset && tenant.policy.lockout.resetUnlocks,
      }));
    } catch (error) {
      if (error instanceof DomainError && error.code === 'forbidden') throw new LinkProblem('used');
      throw error;
    }
    await this.deps.audit.record({
      tenantId: after.tenantId,
      actor: { type: 'user', id: after.id },
      action: 'account.password_set',
      reason: record.kind,
      target: { type: 'account', id: after.id },
      origin,
      details: { unlocked: account.state === 'locked' && after.state === 'active' },
    });
    if (reset) await this.deps.revokeSessions(after.id);
    // A link went to the account's address, so it has one; the guard is for the type.
    if (reset && after.email !== null) {
      const message = passwordChangedMail(mailLocale(after, tenant, requestLocale), after.email, { tenantName: tenant.name });
      void this.deps.mail
        .deliver(fromTenant(message, tenant), { kind: 'password_changed', tenantId: tenant.id, accountId: after.id })
        .catch((error: unknown) => this.deps.logger.error({ err: error }, 'password-changed notice failed'));
    }
    return { account: after, record };
  }

  private async audit(
    account: Account | null,
    outcome: 'success' | 'failure',
    reason: string | null,
    origin: RequestOrigin,
    details?: Record<string, unknown>,
  ) {
    await this.deps.audit.record({
      tenantId: account?.tenantId ?? null,
      actor: { type: 'anonymous' },
      action: 'account.reset_requested',
      outcome,
      reason,
      target: account ? { type: 'account', id: account.id } : null,
      origin,
      details: details ?? null,
    });
  }
}
