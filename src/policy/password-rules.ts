import { STAFF_PASSWORD_FLOOR } from './defaults.js';
import { isCommonPassword } from './blocklist.js';
import type { PasswordPolicy, PasswordViolation } from './types.js';

/** The tenant's rules, raised to the staff floor for staff and administrator accounts. */
export function effectivePasswordPolicy(policy: PasswordPolicy, staff: boolean): PasswordPolicy {
  if (!staff) return policy;
  const f = STAFF_PASSWORD_FLOOR;
  return {
    ...policy,
    minLength: Math.max(policy.minLength, f.minLength),
    maxLength: Math.max(policy.maxLength, f.minLength),
    blocklist: policy.blocklist || f.blocklist,
    disallowEmailLocalPart: policy.disallowEmailLocalPart || f.disallowEmailLocalPart,
    history: Math.max(policy.history, f.history),
  };
}

/** Characters that count as special: anything that is not a letter, digit or space. */
const SPECIAL = /[^\p{L}\p{N}\s]/gu;
const count = (text: string, pattern: RegExp) => text.match(pattern)?.length ?? 0;

/** Every rule the password breaks (history aside, which needs the stored hashes). */
export function passwordViolations(policy: PasswordPolicy, password: string, email: string): PasswordViolation[] {
  const violations: PasswordViolation[] = [];
  const length = [...password].length;
  if (length < policy.minLength) violations.push({ rule: 'password.too_short', n: policy.minLength });
  if (length > policy.maxLength) violations.push({ rule: 'password.too_long', n: policy.maxLength });
  if (count(password, /\p{N}/gu) < policy.minDigits) violations.push({ rule: 'password.min_digits', n: policy.minDigits });
  if (count(password, SPECIAL) < policy.minSpecial) violations.push({ rule: 'password.min_special', n: policy.minSpecial });
  if (count(password, /\p{Lu}/gu) < policy.minUpper) violations.push({ rule: 'password.min_upper', n: policy.minUpper });
  if (count(password, /\p{Ll}/gu) < policy.minLower) violations.push({ rule: 'password.min_lower', n: policy.minLower });
  if (policy.blocklist && isCommonPassword(password)) violations.push({ rule: 'password.common' });
  const localPart = email.split('@')[0]!.toLowerCase();
  if (policy.disallowEmailLocalPart && localPart.length >= 3 && password.toLowerCase().includes(localPart)) {
    violations.push({ rule: 'password.contains_email' });
  }
  return violations;
}
