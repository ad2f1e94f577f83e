import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FieldCipher, SealedValueError } from '../../src/crypto/field-cipher.js';
import { loadOrCreateDevelopmentKey, parseEncryptionKeys, type EncryptionKey } from '../../src/crypto/keyring.js';

const key = (id: string): EncryptionKey => ({ id, key: randomBytes(32) });
const oldKey = key('old');
const newKey = key('new');
const context = 'totp:account-1';
const secret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

/** Flips one bit in a byte range of a base64url part and re-encodes it. */
function flipped(part: string, index: (bytes: Buffer) => number): string {
  const bytes = Buffer.from(part, 'base64url');
  bytes[index(bytes)]! ^= 0x01;
  return bytes.toString('base64url');
}

function withPart(sealed: string, position: number, replace: (part: string) => string): string {
  const parts = sealed.split('.');
  parts[position] = replace(parts[position]!);
  return parts.join('.');
}

describe('field cipher', () => {
  const cipher = new FieldCipher([oldKey]);

  test('a sealed value opens to the plaintext, in the documented format', () => {
    const sealed = cipher.seal(secret, context);
    expect(sealed).toMatch(/^v1\.old\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    expect(cipher.open(sealed, context)).toBe(secret);
    expect(cipher.open(cipher.seal('', context), context)).toBe('');
    expect(cipher.open(cipher.seal('åäö 😀', context), context)).toBe('åäö 😀');
  });

  test('two seals of the same plaintext differ, and neither shows the plaintext', () => {
    const first = cipher.seal(secret, context);
    const second = cipher.seal(secret, context);
    expect(first).not.toBe(second);
    for (const sealed of [first, second]) {
      const body = Buffer.from(sealed.split('.')[3]!, 'base64url');
      expect(sealed).not.toContain(secret);
      expect(body.includes(Buffer.from(secret))).toBe(false);
      expect(body.toString('base64')).not.toContain(Buffer.from(secret).toString('base64').slice(0, 12));
    }
  });

  test.each([
    ['iv', (s: string) => withPart(s, 2, (p) => flipped(p, () => 0))],
    ['ciphertext', (s: string) => withPart(s, 3, (p) => flipped(p, () => 0))],
    ['tag', (s: string) => withPart(s, 3, (p) => flipped(p, (b) => b.length - 1))],
    ['key id (to the other known key)', (s: string) => withPart(s, 1, (id) => (id === 'new' ? 'old' : 'new'))],
    ['key id (to an unknown key)', (s: string) => withPart(s, 1, () => 'gone')],
    ['version', (s: string) => withPart(s, 0, () => 'v2')],
    ['a truncated body', (s: string) => withPart(s, 3, (p) => p.slice(0, 10))],
    ['a stray character', (s: string) => withPart(s, 3, (p) => `${p}!`)],
    ['a missing part', (s: string) => s.split('.').slice(0, 3).join('.')],
  ])('tampering with %s is refused', (_what, tamper) => {
    const both = new FieldCipher([newKey, oldKey]);
    for (const original of [both.seal(secret, context), cipher.seal(secret, context)]) {
      const tampered = tamper(original);
      expect(tampered).not.toBe(original);
      expect(() => both.open(tampered, context)).toThrow(SealedValueError);
    }
  });

  test('an edit to spare bits of the last character is refused too, though it decodes to the same bytes', () => {
    // 1 byte of plaintext and 16 of tag: 17 bytes, so the last of 23 characters carries 2 spare bits.
    const sealed = cipher.seal('x', context);
    const body = sealed.split('.')[3]!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const edited = body.slice(0, -1) + alphabet[alphabet.indexOf(body.at(-1)!) ^ 1];
    expect(edited).not.toBe(body);
    expect(Buffer.from(edited, 'base64url').equals(Buffer.from(body, 'base64url'))).toBe(true);
    expect(() =>
      cipher.open(
        withPart(sealed, 3, () => edited),
        context,
      ),
    ).toThrow(SealedValueError);
  });

  test('a value moved to another record (a different context) does not open', () => {
    const sealed = cipher.seal(secret, 'totp:account-1');
    expect(() => cipher.open(sealed, 'totp:account-2')).toThrow(SealedValueError);
    expect(() => cipher.open(sealed, '')).toThrow(SealedValueError);
  });

  test('after rotation old values still open, and only new seals are current', () => {
    const sealedWithOld = cipher.seal(secret, context);
    const rotated = new FieldCipher([newKey, oldKey]);
    expect(rotated.open(sealedWithOld, context)).toBe(secret);
    expect(rotated.isCurrent(sealedWithOld)).toBe(false);
    const resealed = rotated.seal(rotated.open(sealedWithOld, context), context);
    expect(resealed.split('.')[1]).toBe('new');
    expect(rotated.isCurrent(resealed)).toBe(true);
    expect(cipher.isCurrent(sealedWithOld)).toBe(true);
  });

  test('a value sealed with a key no longer in the keyring is refused by name', () => {
    const sealed = cipher.seal(secret, context);
    expect(() => new FieldCipher([newKey]).open(sealed, context)).toThrow(/unknown key id "old"/);
  });

  test('a keyring needs at least one key', () => {
    expect(() => new FieldCipher([])).toThrow(/at least one/);
  });
});

describe('ENCRYPTION_KEYS', () => {
  const k1 = randomBytes(32);
  const k2 = randomBytes(32);

  test('parses id:key pairs newest first, in standard base64 or base64url', () => {
    const keys = parseEncryptionKeys(`2026-01:${k1.toString('base64')}, k_0:${k2.toString('base64url')}`);
    expect(keys.map((k) => k.id)).toEqual(['2026-01', 'k_0']);
    expect(keys[0]!.key.equals(k1)).toBe(true);
    expect(keys[1]!.key.equals(k2)).toBe(true);
  });

  test.each([
    ['empty', '', /empty/],
    ['blank', '  ', /empty/],
    ['without a colon', k1.toString('base64'), /entry 1 is not of the form/],
    ['a 16-byte key', `a:${randomBytes(16).toString('base64')}`, /must decode to 32 bytes, not 16/],
    ['a 33-byte key', `a:${randomBytes(33).toString('base64')}`, /must decode to 32 bytes, not 33/],
    ['a key that is not base64', `a:${'!'.repeat(44)}`, /not base64/],
    ['a duplicate id', `a:${k1.toString('base64')},a:${k2.toString('base64')}`, /key id "a" more than once/],
    ['an id with a dot', `a.b:${k1.toString('base64')}`, /entry 1 has an invalid key id/],
    ['an empty id', `:${k1.toString('base64')}`, /entry 1 has an invalid key id/],
    ['an id of 33 characters', `${'a'.repeat(33)}:${k1.toString('base64')}`, /entry 1 has an invalid key id/],
    ['an empty second entry', `a:${k1.toString('base64')},`, /entry 2 is not of the form/],
  ])('refuses %s, without quoting key material', (_what, text, message) => {
    let error: Error | undefined;
    try {
      parseEncryptionKeys(text);
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message).toMatch(message);
    expect(error!.message).not.toContain(k1.toString('base64').slice(0, 8));
    expect(error!.message).not.toContain(k2.toString('base64').slice(0, 8));
  });
});

describe('development key', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = path.join(mkdtempSync(path.join(tmpdir(), 'idp-keyring-')), 'data');
  });
  afterEach(() => rmSync(path.dirname(dataDir), { recursive: true, force: true }));

  test('is created once in a private file and reused afterwards', () => {
    const first = loadOrCreateDevelopmentKey(dataDir);
    expect(first.generated).toBe(true);
    expect(first.keys).toHaveLength(1);
    expect(first.keys[0]!.id).toMatch(/^dev-[0-9a-f]{8}$/);
    expect(first.keys[0]!.key).toHaveLength(32);

    const file = path.join(dataDir, 'encryption-key.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);

    const second = loadOrCreateDevelopmentKey(dataDir);
    expect(second.generated).toBe(false);
    expect(second.keys[0]!.id).toBe(first.keys[0]!.id);
    expect(second.keys[0]!.key.equals(first.keys[0]!.key)).toBe(true);

    const sealed = new FieldCipher(first.keys).seal(secret, context);
    expect(new FieldCipher(second.keys).open(sealed, context)).toBe(secret);
  });

  test('a damaged key file is reported without quoting it', () => {
    loadOrCreateDevelopmentKey(dataDir);
    const file = path.join(dataDir, 'encryption-key.json');
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.slice(0, -10));
    expect(() => loadOrCreateDevelopmentKey(dataDir)).toThrow(/is not valid JSON$/);
  });
});
