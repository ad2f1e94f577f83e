import type { Tenant } from '../tenants/types.js';
import { isUsable } from './lockout.js';
import type { Account } from './types.js';

/**
 * Who may sign in, and with how many factors: the one place these rules live. Every path
 * (password, e-mailed link, upstream, an existing session or token, "My profile") asks here.
 */

/** Who is asking: the relying app's tenant limit and the tenant its request names. */
export interface SignInAudience {
  /** Tenants the app admits; empty admits every tenant. */
  clientTenantIds: readonly string[];
  /** The tenant the request named (`tenant=`), absent when it named none; an unknown name matches nothing. */
  requestedTenantId?: string;
}

/** Anyone, from anywhere: for paths no app stands behind ("My profile", administrators' links). */
export const ANY_AUDIENCE: SignInAudience = { clientTenantIds: [] };

/** How the person proves who they are; `session` is an earlier sign-in used again (SSO, tokens). */
export type SignInMethod = 'password' | 'federation' | 'session';

export type SignInRefusal = 'account_not_usable' | 'tenant_not_active' | 'tenant_not_allowed' | 'passwords_not_allowed';

export function tenantAdmitted(tenantId: string, audience: SignInAudience): boolean {
  if (audience.requestedTenantId !== undefined && audience.requestedTenantId !== tenantId) return false;
  return audience.clientTenantIds.length === 0 || audience.clientTenantIds.includes(tenantId);
}

/** Whether people of this tenant may sign in here by this method (the account aside). */
export function tenantRefusal(tenant: Tenant, audience: SignInAudience, method: SignInMethod): SignInRefusal | null {
  if (tenant.state !== 'active') return 'tenant_not_active';
  if (!tenantAdmitted(tenant.id, audience)) return 'tenant_not_allowed';
  if (method === 'password' && !tenant.passwordsAllowed) return 'passwords_not_allowed';
  return null;
}

/** Whether this account may be signed in (or keep its session) here by this method, now. */
export function signInRefusal(
  account: Account,
  tenant: Tenant,
  audience: SignInAudience,
  method: SignInMethod,
  now: Date,
): SignInRefusal | null {
  if (account.tenantId !== tenant.id || !isUsable(account, now)) return 'account_not_usable';
  return tenantRefusal(tenant, audience, method);
}

/** Signing in as this account needs a second factor: it has one, or its tenant demands one. */
export function secondFactorRequired(account: Account, tenant: Tenant): boolean {
  return account.totp !== null || tenant.policy.password.require2fa;
}

/**
 * The second step a sign-in needs after its first factor: the account's factor; enrolment
 * when the tenant demands one; `unmet` when only the app asks for one the account does not
 * have (enrolling then would let whoever holds the password bind their own authenticator).
 */
export function secondFactorStep(account: Account, tenant: Tenant, appAsksForSecondFactor: boolean): 'verify' | 'enrol' | 'unmet' | null {
  if (account.totp) return 'verify';
  if (tenant.policy.password.require2fa) return 'enrol';
  return appAsksForSecondFactor ? 'unmet' : null;
}

/** An existing session is reused without asking again only when it proved what this request needs. */
export function sessionNeedsSecondFactor(
  account: Account,
  tenant: Tenant,
  sessionUsedSecondFactor: boolean,
  appAsksForSecondFactor: boolean,
): boolean {
  if (sessionUsedSecondFactor) return false;
  return appAsksForSecondFactor || secondFactorRequired(account, tenant);
}

/** A refresh token from before its tenant required two steps does not outlive that rule. */
export function refreshAllowed(tenant: Tenant, tokenUsedSecondFactor: boolean): boolean {
  return tokenUsedSecondFactor || !tenant.policy.password.require2fa;
}

/** The factor is managed ("My profile") only from a session that used it. */
export function mayManageSecondFactor(account: Account, sessionUsedSecondFactor: boolean): boolean {
  return account.totp === null || sessionUsedSecondFactor;
}

/** A person may turn their second factor off only where the tenant does not demand one. */
export function mayDisableSecondFactor(tenant: Tenant): boolean {
  return !tenant.policy.password.require2fa;
}

export interface EligibilityLookups {
  accounts: { findById(id: string): Promise<Account | null> };
  tenants: { findById(id: string): Promise<Tenant | null> };
}

export type Eligibility = { ok: true; account: Account; tenant: Tenant } | { ok: false; reason: SignInRefusal; account: Account | null };

/** The rules above, with the account and tenant looked up. */
export class SignInEligibility {
  constructor(
    private readonly lookups: EligibilityLookups,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async check(accountOrId: Account | string, audience: SignInAudience, method: SignInMethod): Promise<Eligibility> {
    const account = typeof accountOrId === 'string' ? await this.lookups.accounts.findById(accountOrId) : accountOrId;
    const tenant = account ? await this.lookups.tenants.findById(account.tenantId) : null;
    if (!account || !tenant) return { ok: false, reason: 'account_not_usable', account };
    const reason = signInRefusal(account, tenant, audience, method, this.clock());
    return reason ? { ok: false, reason, account } : { ok: true, account, tenant };
  }

  /** Whether a password may be tried on this account here (its state aside: a locked one still counts). */
  async admitsPassword(account: Account, audience: SignInAudience): Promise<boolean> {
    const tenant = await this.lookups.tenants.findById(account.tenantId);
    return tenant !== null && tenantRefusal(tenant, audience, 'password') === null;
  }
}
