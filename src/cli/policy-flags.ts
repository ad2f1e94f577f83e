import type { TenantPolicy } from '../policy/types.js';
import { UsageError } from './io.js';

type Section = keyof TenantPolicy;
type Kind = 'integer' | 'boolean' | 'mode' | 'minutes';

/** `idp tenant policy set` flags, each naming one field of the policy document. */
export const POLICY_FLAGS: { flag: string; section: Section; field: string; kind: Kind }[] = [
  { flag: 'min-length', section: 'password', field: 'minLength', kind: 'integer' },
  { flag: 'max-length', section: 'password', field: 'maxLength', kind: 'integer' },
  { flag: 'min-digits', section: 'password', field: 'minDigits', kind: 'integer' },
  { flag: 'min-special', section: 'password', field: 'minSpecial', kind: 'integer' },
  { flag: 'min-upper', section: 'password', field: 'minUpper', kind: 'integer' },
  { flag: 'min-lower', section: 'password', field: 'minLower', kind: 'integer' },
  { flag: 'blocklist', section: 'password', field: 'blocklist', kind: 'boolean' },
  { flag: 'disallow-email', section: 'password', field: 'disallowEmailLocalPart', kind: 'boolean' },
  { flag: 'history', section: 'password', field: 'history', kind: 'integer' },
  { flag: 'require-2fa', section: 'password', field: 'require2fa', kind: 'boolean' },
  { flag: 'change-non-compliant', section: 'password', field: 'changeNonCompliantAtLogin', kind: 'boolean' },
  { flag: 'max-failed-attempts', section: 'lockout', field: 'maxFailedAttempts', kind: 'integer' },
  { flag: 'lockout-mode', section: 'lockout', field: 'mode', kind: 'mode' },
  { flag: 'lockout-minutes', section: 'lockout', field: 'durationMinutes', kind: 'minutes' },
  { flag: 'reset-unlocks', section: 'lockout', field: 'resetUnlocks', kind: 'boolean' },
];

function parseValue(flag: string, kind: Kind, text: string): unknown {
  if (kind === 'boolean') {
    if (text === 'true' || text === 'false') return text === 'true';
    throw new UsageError(`--${flag} takes true or false`);
  }
  if (kind === 'mode') return text;
  if (kind === 'minutes' && text === 'none') return null;
  if (!/^-?\d+$/.test(text)) throw new UsageError(`--${flag} takes a whole number${kind === 'minutes' ? ' or "none"' : ''}`);
  return Number(text);
}

/** The current policy with the given flags applied; the service validates the result as a whole. */
export function applyPolicyFlags(current: TenantPolicy, options: Record<string, unknown>): TenantPolicy {
  const next = { password: { ...current.password }, lockout: { ...current.lockout } } as Record<Section, Record<string, unknown>>;
  for (const { flag, section, field, kind } of POLICY_FLAGS) {
    const text = options[flag];
    if (typeof text === 'string') next[section][field] = parseValue(flag, kind, text);
  }
  if (options['lockout-mode'] === 'permanent' && options['lockout-minutes'] === undefined) next.lockout.durationMinutes = null;
  return next as unknown as TenantPolicy;
}
