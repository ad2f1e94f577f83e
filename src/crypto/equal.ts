import { timingSafeEqual } from 'node:crypto';

/**
 * Compares a secret with what someone presented, in time that does not depend on where they
 * differ. Anything that is not a string (a missing form field) is simply unequal.
 */
export function secretsEqual(expected: string, presented: unknown): boolean {
  if (typeof presented !== 'string') return false;
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(presented, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
