import { createHash } from 'node:crypto';
import { hashRecoveryCode, matchRecoveryCode, newRecoveryCodes, normalizeRecoveryCode } from '../../src/mfa/recovery-codes.js';

describe('recovery codes', () => {
  test('ten distinct codes of four groups of four lower-case base32 characters', () => {
    const { codes, hashes } = newRecoveryCodes();
    expect(codes).toHaveLength(10);
    expect(hashes).toHaveLength(10);
    for (const code of codes) expect(code).toMatch(/^[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}$/);
    expect(new Set(codes).size).toBe(10);
    expect(new Set(newRecoveryCodes().codes.concat(codes)).size).toBe(20);
  });

  test('draw on the whole alphabet (5 random bits per character)', () => {
    const characters = new Set(
      Array.from({ length: 20 }, () => newRecoveryCodes().codes.join(''))
        .join('')
        .replace(/-/g, ''),
    );
    expect(characters.size).toBe(32);
  });

  test('are stored as SHA-256 hashes of the normalized code, not as the codes', () => {
    const { codes, hashes } = newRecoveryCodes();
    hashes.forEach((hash, i) => {
      expect(hash).toMatch(/^[0-9a-f]{64}$/);
      expect(hash).not.toContain(normalizeRecoveryCode(codes[i]!));
      expect(hash).toBe(createHash('sha256').update(codes[i]!.replace(/-/g, '')).digest('hex'));
      expect(hashRecoveryCode(codes[i]!)).toBe(hash);
    });
  });

  test('normalization lower-cases and drops spaces and hyphens', () => {
    expect(normalizeRecoveryCode(' K3F9-ab cd - EFGH\tijkl ')).toBe('k3f9abcdefghijkl');
  });

  test('a code matches its own hash whatever the case, spacing or hyphens', () => {
    const { codes, hashes } = newRecoveryCodes();
    const code = codes[6]!;
    const bare = code.replace(/-/g, '');
    for (const typed of [code, code.toUpperCase(), bare, ` ${bare.slice(0, 8)} ${bare.slice(8)} `, code.replace(/-/g, ' - ')]) {
      expect(matchRecoveryCode(typed, hashes)).toBe(6);
    }
    expect(matchRecoveryCode(codes[0]!, hashes)).toBe(0);
    expect(matchRecoveryCode(codes[9]!, hashes)).toBe(9);
  });

  test('a wrong code, a code from another set or a near miss gives -1', () => {
    const { codes, hashes } = newRecoveryCodes();
    const other = newRecoveryCodes().codes[0]!;
    const nearMiss = codes[0]!.slice(0, -1) + (codes[0]!.endsWith('a') ? 'b' : 'a');
    expect(matchRecoveryCode(other, hashes)).toBe(-1);
    expect(matchRecoveryCode(nearMiss, hashes)).toBe(-1);
    expect(matchRecoveryCode('', hashes)).toBe(-1);
    expect(matchRecoveryCode(codes[0]!, [])).toBe(-1);
    expect(matchRecoveryCode(codes[0]!, hashes.slice(1))).toBe(-1);
  });
});
