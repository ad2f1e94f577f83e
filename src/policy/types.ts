/**
 * A tenant's rules for passwords and for locking accounts that are guessed at.
 * Every field is documented where its default is set (defaults.ts).
 */
export interface PasswordPolicy {
  minLength: number;
  maxLength: number;
  minDigits: number;
  minSpecial: number;
  minUpper: number;
  minLower: number;
  /** Refuse the most common passwords (shipped list, checked offline). */
  blocklist: boolean;
  /** Refuse passwords containing the local part of the account's e-mail. */
  disallowEmailLocalPart: boolean;
  /** Refuse the account's last N passwords (the current one included). 0 turns it off. */
  history: number;
  /** Every person of the tenant must use a second factor. */
  require2fa: boolean;
  /** At sign-in, a password that no longer meets the rules must be changed before going on. */
  changeNonCompliantAtLogin: boolean;
}

export type LockoutMode = 'permanent' | 'temporary';

export interface LockoutPolicy {
  /** Consecutive failed attempts (password or code) that lock the account. */
  maxFailedAttempts: number;
  /** permanent: until an administrator unlocks; temporary: for durationMinutes. */
  mode: LockoutMode;
  /** Only for temporary locks. */
  durationMinutes: number | null;
  /** A completed password reset also lifts a lock. */
  resetUnlocks: boolean;
}

export interface TenantPolicy {
  password: PasswordPolicy;
  lockout: LockoutPolicy;
}

/** Stable ids of the password rules, used in API problems and in the message catalog. */
export type PasswordRule =
  | 'password.too_short'
  | 'password.too_long'
  | 'password.min_digits'
  | 'password.min_special'
  | 'password.min_upper'
  | 'password.min_lower'
  | 'password.common'
  | 'password.contains_email'
  | 'password.reused';

export interface PasswordViolation {
  rule: PasswordRule;
  /** The number in the rule ("at least {n} digits"), where it has one. */
  n?: number;
}
