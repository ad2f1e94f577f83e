import {
  ANY_AUDIENCE,
  SignInEligibility,
  mayDisableSecondFactor,
  mayManageSecondFactor,
  refreshAllowed,
  secondFactorRequired,
  secondFactorStep,
  sessionNeedsSecondFactor,
  signInRefusal,
  tenantAdmitted,
  tenantRefusal,
} from '../../src/accounts/sign-in-eligibility.js';
import type { Account } from '../../src/accounts/types.js';
import { DEFAULT_TENANT_POLICY } from '../../src/policy/defaults.js';
import type { Tenant } from '../../src/tenants/types.js';

const NOW = new Date('2026-12-02T12:00:00Z');

function tenant(overrides: Partial<Tenant> = {}, require2fa = false): Tenant {
  return {
    id: 't1',
    slug: 'acme',
    name: 'Acme',
    domains: [],
    state: 'active',
    policy: { ...DEFAULT_TENANT_POLICY, password: { ...DEFAULT_TENANT_POLICY.password, require2fa } },
    locale: null,
    mail: { from: null, replyTo: null },
    links: { registrationHours: 72, resetMinutes: 60 },
    passwordsAllowed: true,
    purgeAfter: null,
    purgeLeaseUntil: null,
    createdAt: NOW.toISOString(),
    updatedAt: NOW.toISOString(),
    ...overrides,
  };
}

function account(overrides: Partial<Account> = {}): Account {
  return {
    id: 'a1',
    tenantId: 't1',
    email: 'ann@acme.example',
    emailNormalized: 'ann@acme.example',
    name: null,
    passwordHash: 'x',
    state: 'active',
    failedAttempts: 0,
    lockedAt: null,
    lockedReason: null,
    lockedUntil: null,
    totp: null,
    recoveryCodeHashes: [],
    ...overrides,
  } as Account;
}

const TOTP = { sealedSecret: 's', lastUsedStep: null, enrolledAt: NOW.toISOString() } as unknown as Account['totp'];

describe('who may sign in: the tenant', () => {
  test('a client without a tenant limit admits every tenant; one with a limit only those', () => {
    expect(tenantAdmitted('t1', ANY_AUDIENCE)).toBe(true);
    expect(tenantAdmitted('t1', { clientTenantIds: ['t1', 't2'] })).toBe(true);
    expect(tenantAdmitted('t3', { clientTenantIds: ['t1', 't2'] })).toBe(false);
  });

  test('a request that names a tenant admits only that one, even where the client admits more', () => {
    expect(tenantAdmitted('t1', { clientTenantIds: [], requestedTenantId: 't1' })).toBe(true);
    expect(tenantAdmitted('t2', { clientTenantIds: [], requestedTenantId: 't1' })).toBe(false);
    // An unknown tenant name resolves to '' and so matches nothing.
    expect(tenantAdmitted('t1', { clientTenantIds: [], requestedTenantId: '' })).toBe(false);
  });

  test('a tenant scheduled for deletion signs nobody in, by any method', () => {
    const leaving = tenant({ state: 'scheduled_for_deletion' });
    for (const method of ['password', 'federation', 'session'] as const) {
      expect(tenantRefusal(leaving, ANY_AUDIENCE, method)).toBe('tenant_not_active');
    }
  });

  test('a tenant without passwords refuses the password method only', () => {
    const upstreamOnly = tenant({ passwordsAllowed: false });
    expect(tenantRefusal(upstreamOnly, ANY_AUDIENCE, 'password')).toBe('passwords_not_allowed');
    expect(tenantRefusal(upstreamOnly, ANY_AUDIENCE, 'federation')).toBeNull();
    expect(tenantRefusal(upstreamOnly, ANY_AUDIENCE, 'session')).toBeNull();
  });
});

describe('who may sign in: the account', () => {
  test('active accounts, and locks that have run out, may sign in; locked, invited and disabled ones may not', () => {
    expect(signInRefusal(account(), tenant(), ANY_AUDIENCE, 'password', NOW)).toBeNull();
    const lapsed = account({ state: 'locked', lockedUntil: new Date(NOW.getTime() - 1000).toISOString() });
    expect(signInRefusal(lapsed, tenant(), ANY_AUDIENCE, 'password', NOW)).toBeNull();
    for (const blocked of [
      account({ state: 'locked', lockedAt: NOW.toISOString(), lockedUntil: null }),
      account({ state: 'invited' }),
      account({ state: 'disabled' }),
    ]) {
      expect(signInRefusal(blocked, tenant(), ANY_AUDIENCE, 'session', NOW)).toBe('account_not_usable');
    }
  });

  test('an account is never judged against another tenant than its own', () => {
    expect(signInRefusal(account({ tenantId: 't2' }), tenant(), ANY_AUDIENCE, 'password', NOW)).toBe('account_not_usable');
  });

  test('the account rules come before the tenant rules, which still apply', () => {
    expect(signInRefusal(account(), tenant(), { clientTenantIds: ['t9'] }, 'session', NOW)).toBe('tenant_not_allowed');
  });
});

describe('how many factors', () => {
  test('a second factor is required when the account has one or its tenant demands one', () => {
    expect(secondFactorRequired(account(), tenant())).toBe(false);
    expect(secondFactorRequired(account({ totp: TOTP }), tenant())).toBe(true);
    expect(secondFactorRequired(account(), tenant({}, true))).toBe(true);
  });

  test('the next step: verify an existing factor, enrol where demanded, refuse when only the app asks', () => {
    expect(secondFactorStep(account({ totp: TOTP }), tenant(), false)).toBe('verify');
    expect(secondFactorStep(account(), tenant({}, true), true)).toBe('enrol');
    expect(secondFactorStep(account(), tenant(), true)).toBe('unmet');
    expect(secondFactorStep(account(), tenant(), false)).toBeNull();
  });

  test('a session is reused without a new second factor only when it used one, or none is needed', () => {
    expect(sessionNeedsSecondFactor(account({ totp: TOTP }), tenant(), true, true)).toBe(false);
    expect(sessionNeedsSecondFactor(account({ totp: TOTP }), tenant(), false, false)).toBe(true);
    expect(sessionNeedsSecondFactor(account(), tenant({}, true), false, false)).toBe(true);
    expect(sessionNeedsSecondFactor(account(), tenant(), false, true)).toBe(true);
    expect(sessionNeedsSecondFactor(account(), tenant(), false, false)).toBe(false);
  });

  test('refresh tokens without a second factor stop once the tenant demands one', () => {
    expect(refreshAllowed(tenant({}, true), false)).toBe(false);
    expect(refreshAllowed(tenant({}, true), true)).toBe(true);
    expect(refreshAllowed(tenant(), false)).toBe(true);
  });

  test('"My profile" manages a factor only from a session that used it, and cannot drop one the tenant demands', () => {
    expect(mayManageSecondFactor(account({ totp: TOTP }), false)).toBe(false);
    expect(mayManageSecondFactor(account({ totp: TOTP }), true)).toBe(true);
    expect(mayManageSecondFactor(account(), false)).toBe(true);
    expect(mayDisableSecondFactor(tenant({}, true))).toBe(false);
    expect(mayDisableSecondFactor(tenant())).toBe(true);
  });
});

describe('SignInEligibility looks the account and tenant up', () => {
  const tenants = new Map<string, Tenant>([
    ['t1', tenant()],
    ['t2', tenant({ id: 't2', state: 'scheduled_for_deletion' })],
  ]);
  const accounts = new Map<string, Account>([
    ['a1', account()],
    ['a2', account({ id: 'a2', tenantId: 't2' })],
  ]);
  const eligibility = new SignInEligibility(
    {
      accounts: { findById: async (id) => accounts.get(id) ?? null },
      tenants: { findById: async (id) => tenants.get(id) ?? null },
    },
    () => NOW,
  );

  test('an eligible account comes back with its tenant; an unknown one is refused', async () => {
    expect(await eligibility.check('a1', ANY_AUDIENCE, 'session')).toMatchObject({ ok: true, account: { id: 'a1' }, tenant: { id: 't1' } });
    expect(await eligibility.check('nobody', ANY_AUDIENCE, 'session')).toEqual({ ok: false, reason: 'account_not_usable', account: null });
  });

  test('an account of a tenant scheduled for deletion is refused, and no password is tried on it', async () => {
    expect(await eligibility.check('a2', ANY_AUDIENCE, 'password')).toMatchObject({ ok: false, reason: 'tenant_not_active' });
    expect(await eligibility.admitsPassword(accounts.get('a2')!, ANY_AUDIENCE)).toBe(false);
    expect(await eligibility.admitsPassword(accounts.get('a1')!, { clientTenantIds: ['t2'] })).toBe(false);
    expect(await eligibility.admitsPassword(accounts.get('a1')!, ANY_AUDIENCE)).toBe(true);
  });
});
