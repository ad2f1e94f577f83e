import { commonPasswords, isCommonPassword } from '../../src/policy/blocklist.js';
import { DEFAULT_TENANT_POLICY, STAFF_PASSWORD_FLOOR } from '../../src/policy/defaults.js';
import { effectivePasswordPolicy, passwordViolations } from '../../src/policy/password-rules.js';
import { tenantPolicySchema } from '../../src/policy/schema.js';
import type { PasswordPolicy } from '../../src/policy/types.js';
import { PasswordHasher } from '../../src/accounts/password-hasher.js';

const base: PasswordPolicy = { ...DEFAULT_TENANT_POLICY.password, blocklist: false, disallowEmailLocalPart: false };
const rules = (policy: Partial<PasswordPolicy>, password: string, email = 'ann@acme.example') =>
  passwordViolations({ ...base, ...policy }, password, email).map((v) => v.rule);

describe('password rules', () => {
  test('the default asks for 6 characters and nothing else (R1)', () => {
    expect(DEFAULT_TENANT_POLICY.password).toMatchObject({ minLength: 6, minDigits: 0, minSpecial: 0, minUpper: 0, minLower: 0 });
    expect(rules({}, 'abcdef')).toEqual([]);
    expect(rules({}, 'abcde')).toEqual(['password.too_short']);
  });

  test.each([
    ['minLength', { minLength: 10 }, 'ninechars', 'tencharsok', 'password.too_short'],
    ['maxLength', { maxLength: 64 }, 'x'.repeat(65), 'x'.repeat(64), 'password.too_long'],
    ['minDigits', { minDigits: 2 }, 'abc1defg', 'abc1def2', 'password.min_digits'],
    ['minSpecial', { minSpecial: 2 }, 'abc!defg', 'abc!def#', 'password.min_special'],
    ['minUpper', { minUpper: 1 }, 'abcdefgh', 'abcdÅfgh', 'password.min_upper'],
    ['minLower', { minLower: 2 }, 'ABCDEFGh', 'ABCDEFgh', 'password.min_lower'],
  ] as const)('%s: fails and passes', (_name, policy, failing, passing, rule) => {
    expect(rules(policy, failing)).toEqual([rule]);
    expect(rules(policy, passing)).toEqual([]);
  });

  test('length counts characters, not bytes or UTF-16 units', () => {
    expect(rules({ minLength: 6 }, 'åäö😀ab')).toEqual([]);
    expect(rules({ minLength: 6 }, 'åäö😀a')).toEqual(['password.too_short']);
  });

  test('spaces are not special characters; punctuation and symbols are', () => {
    expect(rules({ minSpecial: 1 }, 'correct horse')).toEqual(['password.min_special']);
    expect(rules({ minSpecial: 1 }, 'correct-horse')).toEqual([]);
    expect(rules({ minSpecial: 1 }, 'correct€horse')).toEqual([]);
  });

  test('the blocklist refuses common passwords, also with different case', () => {
    expect(rules({ blocklist: true }, 'password1')).toEqual(['password.common']);
    expect(rules({ blocklist: true }, 'Password1')).toEqual(['password.common']);
    expect(rules({ blocklist: true }, 'qwertyuiop')).toEqual(['password.common']);
    expect(rules({ blocklist: true }, 'violet-harbour-tangent')).toEqual([]);
    expect(rules({ blocklist: false }, 'password1')).toEqual([]);
  });

  test('the shipped blocklist holds at least the 100,000 most common passwords', () => {
    expect(commonPasswords().size).toBeGreaterThanOrEqual(100_000);
    expect(isCommonPassword('123456')).toBe(true);
  });

  test('the e-mail local part may not appear in the password', () => {
    expect(rules({ disallowEmailLocalPart: true }, 'my-Annika-pw!', 'annika@acme.example')).toEqual(['password.contains_email']);
    expect(rules({ disallowEmailLocalPart: true }, 'something else', 'annika@acme.example')).toEqual([]);
  });

  test('every broken rule is reported at once', () => {
    expect(rules({ minLength: 12, minDigits: 1, minSpecial: 1, minUpper: 1, blocklist: true }, 'dragon')).toEqual([
      'password.too_short',
      'password.min_digits',
      'password.min_special',
      'password.min_upper',
      'password.common',
    ]);
  });

  test('staff meet the built-in floor whatever the tenant says (R4), and stricter tenant rules still apply', () => {
    const lax: PasswordPolicy = { ...base, minLength: 6, blocklist: false, history: 0 };
    const staff = effectivePasswordPolicy(lax, true);
    expect(staff).toMatchObject(STAFF_PASSWORD_FLOOR);
    expect(effectivePasswordPolicy(lax, false)).toBe(lax);
    expect(effectivePasswordPolicy({ ...lax, minLength: 20 }, true).minLength).toBe(20);
    expect(passwordViolations(staff, 'short pass', 'ann@acme.example').map((v) => v.rule)).toEqual(['password.too_short']);
  });
});

describe('policy documents', () => {
  test('omitted fields take the defaults', () => {
    expect(tenantPolicySchema.parse({})).toEqual(DEFAULT_TENANT_POLICY);
  });

  test('inconsistent documents are refused with every problem', () => {
    const result = tenantPolicySchema.safeParse({
      password: { minLength: 0, maxLength: 20, minDigits: -1, history: 99 },
      lockout: { maxFailedAttempts: 0, mode: 'temporary' },
    });
    expect(result.success).toBe(false);
    const paths = result.error!.issues.map((i) => i.path.join('.')).sort();
    expect(paths).toEqual([
      'lockout.durationMinutes',
      'lockout.maxFailedAttempts',
      'password.history',
      'password.maxLength',
      'password.minDigits',
      'password.minLength',
    ]);
    const crossField = tenantPolicySchema.safeParse({ password: { minLength: 80, maxLength: 64 }, lockout: { mode: 'temporary' } });
    expect(crossField.error!.issues.map((i) => i.path.join('.')).sort()).toEqual(['lockout.durationMinutes', 'password.maxLength']);
  });
});

describe('password hashing', () => {
  test("passwords longer than bcrypt's 72 bytes are not truncated", async () => {
    const hasher = new PasswordHasher(4);
    const long = 'a'.repeat(80);
    const hash = await hasher.hash(`${long}1`);
    expect(await hasher.verify(`${long}1`, hash)).toBe(true);
    expect(await hasher.verify(`${long}2`, hash)).toBe(false);
  });
});
