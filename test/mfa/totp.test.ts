import { groupedKey, newTotpSecret, otpauthUri, timeStep, totpCode, verifyTotp } from '../../src/mfa/totp.js';
import { qrCodeDataUrl } from '../../src/mfa/qr.js';

const STEP_MS = 30_000;
/** The RFC 6238 SHA-1 test secret, "12345678901234567890" in ASCII. */
const RFC_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

describe('TOTP secrets', () => {
  test('are 160 random bits: 32 base32 characters that decode to 20 bytes', () => {
    const secrets = Array.from({ length: 50 }, newTotpSecret);
    for (const secret of secrets) expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(new Set(secrets).size).toBe(secrets.length);
    // Every base32 character turns up, so all 5 bits of each position vary.
    expect(new Set(secrets.join('')).size).toBe(32);
  });

  test('are grouped by four for typing in', () => {
    expect(groupedKey(RFC_SECRET)).toBe('GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ');
    expect(groupedKey('ABCDEF')).toBe('ABCD EF');
  });

  test('the otpauth URI names issuer, account and secret, properly encoded', () => {
    const secret = newTotpSecret();
    const uri = otpauthUri({ issuer: 'Acme Corp: EU', accountName: 'ann+mfa@acme.example', secret });
    const url = new URL(uri);
    expect(url.protocol).toBe('otpauth:');
    expect(url.host).toBe('totp');
    expect(url.pathname).toBe('/Acme%20Corp%3A%20EU:ann%2Bmfa%40acme.example');
    const [issuer, account] = url.pathname.slice(1).split(':').map(decodeURIComponent);
    expect(issuer).toBe('Acme Corp: EU');
    expect(account).toBe('ann+mfa@acme.example');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      secret,
      issuer: 'Acme Corp: EU',
      algorithm: 'SHA1',
      digits: '6',
      period: '30',
    });
    expect(uri).not.toContain(' ');
  });

  test('the QR code is a server-rendered PNG data URL', async () => {
    const dataUrl = await qrCodeDataUrl(otpauthUri({ issuer: 'Acme', accountName: 'ann@acme.example', secret: RFC_SECRET }));
    expect(dataUrl).toMatch(/^data:image\/png;base64,/);
    const png = Buffer.from(dataUrl.split(',')[1]!, 'base64');
    expect(png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(true);
    expect(png.readUInt32BE(16)).toBe(240);
  });
});

describe('TOTP codes', () => {
  const secret = newTotpSecret();
  // Mid-step, so that ±1 step lands in the neighbouring steps.
  const now = Date.UTC(2026, 4, 1, 12, 0, 15);
  const step = timeStep(now);
  const codeAt = (offset: number) => totpCode(secret, now + offset * STEP_MS);

  test('match the RFC 6238 SHA-1 vector at T = 59 s', () => {
    expect(timeStep(59_000)).toBe(1);
    expect(totpCode(RFC_SECRET, 59_000)).toBe('287082');
    expect(verifyTotp(RFC_SECRET, '287082', 59_000, null)).toEqual({ ok: true, step: 1 });
  });

  test('are 6 digits and change with the step', () => {
    expect(timeStep(now)).toBe(Math.floor(now / 30_000));
    expect(codeAt(0)).toMatch(/^\d{6}$/);
    expect(totpCode(secret, step * STEP_MS)).toBe(codeAt(0));
    expect(totpCode(secret, step * STEP_MS + STEP_MS - 1)).toBe(codeAt(0));
  });

  test.each([-1, 0, 1])('the code of step %+d is accepted and its step returned', (offset) => {
    expect(verifyTotp(secret, codeAt(offset), now, null)).toEqual({ ok: true, step: step + offset });
  });

  test.each([-2, 2])('the code of step %+d is refused as wrong', (offset) => {
    // A chance collision with a code inside the window would make this test meaningless.
    expect([-1, 0, 1].map(codeAt)).not.toContain(codeAt(offset));
    expect(verifyTotp(secret, codeAt(offset), now, null)).toEqual({ ok: false, reason: 'wrong' });
  });

  test('a code from another secret is wrong', () => {
    const other = newTotpSecret();
    const code = totpCode(other, now);
    expect([-1, 0, 1].map(codeAt)).not.toContain(code);
    expect(verifyTotp(secret, code, now, null)).toEqual({ ok: false, reason: 'wrong' });
  });

  test('a code works once: its step, and any step before the last used one, is replayed', () => {
    const first = verifyTotp(secret, codeAt(0), now, null);
    expect(first).toEqual({ ok: true, step });
    expect(verifyTotp(secret, codeAt(0), now, step)).toEqual({ ok: false, reason: 'replayed' });
    expect(verifyTotp(secret, codeAt(-1), now, step)).toEqual({ ok: false, reason: 'replayed' });
    expect(verifyTotp(secret, codeAt(0), now, step + 1)).toEqual({ ok: false, reason: 'replayed' });
    expect(verifyTotp(secret, codeAt(1), now, step)).toEqual({ ok: true, step: step + 1 });
    expect(verifyTotp(secret, codeAt(0), now, step - 1)).toEqual({ ok: true, step });
  });

  test('spaces in the code are ignored', () => {
    const code = codeAt(0);
    expect(verifyTotp(secret, ` ${code.slice(0, 3)} ${code.slice(3)} `, now, null)).toEqual({ ok: true, step });
  });

  test.each(['12345', '1234567', '12345a', 'abcdef', '', '１２３４５６', '-12345', '12-345'])('%j is malformed', (code) => {
    expect(verifyTotp(secret, code, now, null)).toEqual({ ok: false, reason: 'malformed' });
  });
});
