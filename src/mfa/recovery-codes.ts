import { createHash, randomBytes } from 'node:crypto';
import { secretsEqual } from '../crypto/equal.js';

const COUNT = 10;
/** RFC 4648 base32, lower case: no 0, 1 or 8 to mistake for o, l or b. */
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

/** 80 random bits: 16 characters of 5 bits each, shown as four groups of four. */
function newRecoveryCode(): string {
  const characters = Array.from(randomBytes(16), (byte) => ALPHABET[byte & 31]).join('');
  return characters.match(/.{4}/g)!.join('-');
}

/** Ten single-use codes and the hashes to store; the codes are shown once and never stored. */
export function newRecoveryCodes(): { codes: string[]; hashes: string[] } {
  const codes = Array.from({ length: COUNT }, newRecoveryCode);
  return { codes, hashes: codes.map(hashRecoveryCode) };
}

export function normalizeRecoveryCode(input: string): string {
  return input.toLowerCase().replace(/[\s-]/g, '');
}

/** SHA-256 is enough: 80 random bits cannot be guessed, so a slow hash would add nothing. */
export function hashRecoveryCode(input: string): string {
  return createHash('sha256').update(normalizeRecoveryCode(input), 'utf8').digest('hex');
}

/** The index of the hash the code matches, or -1. Every hash is compared, in constant time. */
export function matchRecoveryCode(input: string, hashes: readonly string[]): number {
  const given = hashRecoveryCode(input);
  let found = -1;
  hashes.forEach((hash, index) => {
    if (secretsEqual(hash, given) && found < 0) found = index;
  });
  return found;
}
