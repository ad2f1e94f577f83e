import type { LockoutPolicy } from '../policy/types.js';
import type { Account } from './types.js';

export const LOCK_REASON_FAILED_ATTEMPTS = 'too_many_failed_attempts';

/** Locked right now: a temporary lock whose time has passed no longer counts. */
export function isLocked(account: Account, now: Date): boolean {
  if (account.state !== 'locked') return false;
  return account.lockedUntil === null || Date.parse(account.lockedUntil) > now.getTime();
}

/**
 * The account after one more failed attempt, or null when the attempt does not count
 * (the account is locked, disabled or invited). An expired temporary lock starts over.
 */
export function afterFailedAttempt(account: Account, policy: LockoutPolicy, now: Date): Account | null {
  const expiredLock = account.state === 'locked' && !isLocked(account, now);
  if (account.state !== 'active' && !expiredLock) return null;
  const failedAttempts = (expiredLock ? 0 : account.failedAttempts) + 1;
  const locks = failedAttempts >= policy.maxFailedAttempts;
  const at = now.toISOString();
  return {
    ...account,
    failedAttempts,
    state: locks ? 'locked' : 'active',
    lockedAt: locks ? at : null,
    lockedReason: locks ? LOCK_REASON_FAILED_ATTEMPTS : null,
    lockedUntil: locks && policy.mode === 'temporary' ? new Date(now.getTime() + policy.durationMinutes! * 60_000).toISOString() : null,
    updatedAt: at,
  };
}

/**
 * Gives back an attempt that turned out to be right (or not to count). If this very attempt
 * was the one that locked the account, the lock goes too; a lock caused by other attempts
 * stays, with its count.
 */
export function afterRefund(account: Account, lockedByThisAttempt: boolean, now: Date): Account | null {
  if (isLocked(account, now) && !lockedByThisAttempt) return null;
  if (account.state === 'disabled' || account.state === 'invited') return null;
  const reopened = lockedByThisAttempt && account.state === 'locked' && account.lockedReason === LOCK_REASON_FAILED_ATTEMPTS;
  return {
    ...account,
    failedAttempts: Math.max(0, account.failedAttempts - 1),
    ...(reopened ? { state: 'active' as const, lockedAt: null, lockedReason: null, lockedUntil: null } : {}),
    updatedAt: now.toISOString(),
  };
}

/** A successful sign-in clears the counter (and an expired temporary lock); null unless the account may sign in. */
export function afterSuccessfulLogin(account: Account, now: Date): Account | null {
  if (account.state !== 'active' && !(account.state === 'locked' && !isLocked(account, now))) return null;
  const at = now.toISOString();
  const expiredLock = account.state === 'locked' && !isLocked(account, now);
  return {
    ...account,
    failedAttempts: 0,
    lastLoginAt: at,
    ...(expiredLock ? { state: 'active' as const, lockedAt: null, lockedReason: null, lockedUntil: null } : {}),
    updatedAt: at,
  };
}

/** Lifts any lock and clears the counter; other states stay as they are. */
export function unlocked(account: Account, now: Date): Account {
  return {
    ...account,
    state: account.state === 'locked' ? 'active' : account.state,
    failedAttempts: 0,
    lockedAt: null,
    lockedReason: null,
    lockedUntil: null,
    updatedAt: now.toISOString(),
  };
}

/** May this account be signed in to (or keep using a session) right now? */
export function isUsable(account: Account, now: Date): boolean {
  return account.state === 'active' || (account.state === 'locked' && !isLocked(account, now));
}
