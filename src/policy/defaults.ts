import { PASSWORD_INPUT_MAX } from '../config/defaults.js';
import type { PasswordPolicy, TenantPolicy } from './types.js';

/** What a new tenant starts with: the customer's own answers (R1, R3), plus safe extras. */
export const DEFAULT_TENANT_POLICY: TenantPolicy = {
  password: {
    // R1: at least 6 characters, no composition rules, no forced periodic change.
    minLength: 6,
    // Long passphrases are welcome; bcrypt's 72-byte limit is handled by pre-hashing.
    maxLength: 256,
    minDigits: 0,
    minSpecial: 0,
    minUpper: 0,
    minLower: 0,
    // Refusing the most common passwords is not a composition rule; it stops the easiest guesses.
    blocklist: true,
    disallowEmailLocalPart: true,
    history: 0,
    require2fa: false,
    changeNonCompliantAtLogin: false,
  },
  lockout: {
    // R3: five failed attempts lock the account until an administrator unlocks it.
    maxFailedAttempts: 5,
    mode: 'permanent',
    durationMinutes: null,
    // R3: only an administrator unlocks. A tenant may let a completed reset unlock too.
    resetUnlocks: false,
  },
};

/**
 * R4: staff and administrator accounts meet at least this, whatever their tenant says.
 * Each number is a floor and each flag is forced on; a tenant can only be stricter.
 */
export const STAFF_PASSWORD_FLOOR: Pick<PasswordPolicy, 'minLength' | 'blocklist' | 'disallowEmailLocalPart' | 'history'> = {
  minLength: 12,
  blocklist: true,
  disallowEmailLocalPart: true,
  history: 5,
};

/** Bounds an operator can choose within. */
export const POLICY_LIMITS = {
  minLength: { min: 1, max: 256 },
  /** At least 64 characters must always be allowed (NIST SP 800-63B). */
  maxLength: { min: 64, max: PASSWORD_INPUT_MAX },
  count: { min: 0, max: 64 },
  history: { min: 0, max: 12 },
  maxFailedAttempts: { min: 1, max: 100 },
  durationMinutes: { min: 1, max: 7 * 24 * 60 },
} as const;
