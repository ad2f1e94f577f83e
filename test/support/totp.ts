import { totpCode } from '../../src/mfa/totp.js';

/** Reads the manual key the enrolment page shows, as a person would type it into an app. */
export function keyFromPage(html: string): string {
  const match = /<code class="key" id="totp-key">([^<]+)<\/code>/.exec(html);
  if (!match) throw new Error(`no TOTP key on page:\n${html.slice(0, 1500)}`);
  return match[1]!.replace(/\s+/g, '');
}

/** The code an authenticator app would show `stepsAhead` time steps from now. */
export function codeFor(secret: string, stepsAhead = 0): string {
  return totpCode(secret, Date.now() + stepsAhead * 30_000);
}

export function recoveryCodesFromPage(html: string): string[] {
  return [...html.matchAll(/<li><code>([a-z2-7-]+)<\/code><\/li>/g)].map((m) => m[1]!);
}
