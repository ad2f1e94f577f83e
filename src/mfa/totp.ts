import { randomBytes } from 'node:crypto';
import { secretsEqual } from '../crypto/equal.js';
import speakeasy from 'speakeasy';

/** RFC 6238 as authenticator apps expect it: SHA-1, 6 digits, 30-second steps. */
const DIGITS = 6;
const PERIOD_SECONDS = 30;
/** Steps either side of the current one still accepted, for clock drift and slow typing. */
const WINDOW = 1;
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** 160 random bits as 32 base32 characters; each random byte gives 5 bits, so none is biased. */
export function newTotpSecret(): string {
  return Array.from(randomBytes(32), (byte) => BASE32[byte & 31]).join('');
}

export function otpauthUri({ issuer, accountName, secret }: { issuer: string; accountName: string; secret: string }): string {
  return speakeasy.otpauthURL({
    // speakeasy leaves the label as given, so it is encoded here, keeping the colon between the parts.
    label: `${encodeURIComponent(issuer)}:${encodeURIComponent(accountName)}`,
    issuer,
    secret,
    encoding: 'base32',
    algorithm: 'sha1',
    digits: DIGITS,
    period: PERIOD_SECONDS,
  });
}

/** The secret for typing in by hand: `ABCD EFGH ...`. */
export function groupedKey(secret: string): string {
  return secret.match(/.{1,4}/g)?.join(' ') ?? '';
}

export function timeStep(atMs: number): number {
  return Math.floor(atMs / 1000 / PERIOD_SECONDS);
}

function codeAtStep(secret: string, step: number): string {
  return speakeasy.hotp({ secret, encoding: 'base32', algorithm: 'sha1', digits: DIGITS, counter: step });
}

export function totpCode(secret: string, atMs: number): string {
  return codeAtStep(secret, timeStep(atMs));
}

export type TotpVerification = { ok: true; step: number } | { ok: false; reason: 'malformed' | 'wrong' | 'replayed' };

/**
 * Checks a code against the steps around `atMs`. A step at or before `lastUsedStep` is refused,
 * so a code works once and an older one never; the caller stores the returned step.
 */
export function verifyTotp(secret: string, code: string, atMs: number, lastUsedStep: number | null): TotpVerification {
  const given = code.replace(/\s/g, '');
  if (!/^\d{6}$/.test(given)) return { ok: false, reason: 'malformed' };
  const current = timeStep(atMs);
  let matched: number | null = null;
  let replayed = false;
  for (let step = current - WINDOW; step <= current + WINDOW; step++) {
    if (!secretsEqual(codeAtStep(secret, step), given)) continue;
    if (lastUsedStep !== null && step <= lastUsedStep) replayed = true;
    else matched = step;
  }
  if (matched !== null) return { ok: true, step: matched };
  return { ok: false, reason: replayed ? 'replayed' : 'wrong' };
}
