import { DomainError, type Problem } from '../errors.js';
import { t } from '../i18n/messages.js';
import { effectivePasswordPolicy, passwordViolations } from '../policy/password-rules.js';
import type { PasswordPolicy, PasswordViolation } from '../policy/types.js';
import type { PasswordHasher } from './password-hasher.js';
import type { Account } from './types.js';

export class PasswordPolicyError extends DomainError {
  constructor(readonly violations: PasswordViolation[]) {
    super('validation_failed', 'the password does not meet the policy', violations.map(toProblem));
    this.name = 'PasswordPolicyError';
  }
}

function toProblem(v: PasswordViolation): Problem {
  const params: Record<string, string> = v.n === undefined ? {} : { n: String(v.n) };
  return {
    field: 'password',
    code: v.rule,
    message: t('en', v.rule, params),
    ...(v.n === undefined ? {} : { params: { n: v.n } }),
  };
}

type PasswordOwner = Pick<Account, 'email' | 'staff' | 'passwordHash' | 'passwordHistory'>;

/**
 * Checks a new password against the owner's effective policy, history included, and
 * returns the fields to store. Every broken rule is reported at once.
 */
export async function preparePassword(
  hasher: PasswordHasher,
  tenantPolicy: PasswordPolicy,
  owner: PasswordOwner,
  password: string,
): Promise<Pick<Account, 'passwordHash' | 'passwordHistory'>> {
  // The e-mail is what a password signs in with: an account without one has no use for a password.
  if (owner.email === null)
    throw new DomainError('validation_failed', 'the request is not valid', [
      { field: 'password', code: 'no_email', message: 'an account without an e-mail address cannot have a password; set an e-mail first' },
    ]);
  const policy = effectivePasswordPolicy(tenantPolicy, owner.staff);
  const violations = passwordViolations(policy, password, owner.email);
  const recent = owner.passwordHash ? [owner.passwordHash, ...owner.passwordHistory].slice(0, policy.history) : [];
  const reused = await Promise.all(recent.map((hash) => hasher.verify(password, hash)));
  if (reused.includes(true)) violations.push({ rule: 'password.reused' });
  if (violations.length) throw new PasswordPolicyError(violations);
  return {
    passwordHash: await hasher.hash(password),
    passwordHistory: recent.slice(0, Math.max(policy.history - 1, 0)),
  };
}
