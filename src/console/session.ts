import { createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import { FieldCipher, SealedValueError } from '../crypto/field-cipher.js';
import { secretsEqual } from '../crypto/equal.js';
import { FLOW_STATE_TTL_MS } from '../config/defaults.js';
import { CONSOLE_PATH } from './settings.js';

/** Who is signed in to the console, and the access token the console calls the admin API with. */
export interface ConsoleSession {
  /** Random per sign-in; the CSRF token is derived from it. */
  sid: string;
  accessToken: string;
  /** Epoch seconds: the token's expiry, and so the session's. */
  expiresAt: number;
  sub: string;
  /** The person's tenant (slug), from the ID token. */
  tenant: string | null;
  email: string | null;
  name: string | null;
  /** The roles the API named at sign-in (`tenant-admin`…), to show who is signed in; the API decides anew on every call. */
  roles?: string[];
}

/** The one round trip through the sign-in: what the callback must see again. */
export interface SignInState {
  state: string;
  nonce: string;
  verifier: string;
  /** A path under the console to land on afterwards. */
  returnTo: string;
  expiresAt: number;
}

const SIGN_IN_COOKIE = 'idp_console_signin';

/**
 * The console keeps its session in a cookie sealed with AES-256-GCM under a key derived from the
 * provider's cookie secrets, which every node shares (database key store or KEYS_DIR): any node
 * opens it, and no table is written per request. The authority inside is the access token, which
 * the admin API checks against the store on every call, so revoking it (sign-out, a disabled
 * account, a removed role) ends the session on every node at once; the cookie alone grants nothing.
 */
export class ConsoleCookies {
  private readonly cipher: FieldCipher;
  private readonly csrfKey: Buffer;
  readonly sessionCookie: string;

  constructor(
    cookieSecrets: string[],
    private readonly secure: boolean,
  ) {
    this.cipher = new FieldCipher(
      cookieSecrets.map((secret) => {
        const key = Buffer.from(hkdfSync('sha256', secret, 'idp-console', 'console-cookie-seal', 32));
        return { id: createHash('sha256').update(key).digest('hex').slice(0, 12), key };
      }),
    );
    this.csrfKey = Buffer.from(hkdfSync('sha256', cookieSecrets[0]!, 'idp-console', 'console-csrf', 32));
    // __Host-: only this origin over https may set it (no Domain, Path=/), so a sibling host cannot plant a session.
    this.sessionCookie = secure ? '__Host-idp_console' : 'idp_console';
  }

  readSession(ctx: Context): ConsoleSession | null {
    const session = this.open<ConsoleSession>(ctx.cookies.get(this.sessionCookie), 'console-session');
    return session && typeof session.accessToken === 'string' && typeof session.sid === 'string' ? session : null;
  }

  writeSession(ctx: Context, session: ConsoleSession): void {
    ctx.cookies.set(this.sessionCookie, this.cipher.seal(JSON.stringify(session), 'console-session'), {
      httpOnly: true,
      secure: this.secure,
      sameSite: 'strict',
      path: '/',
      signed: false,
      overwrite: true,
      expires: new Date(session.expiresAt * 1000),
    });
  }

  clearSession(ctx: Context): void {
    ctx.cookies.set(this.sessionCookie, null, { httpOnly: true, secure: this.secure, sameSite: 'strict', path: '/', overwrite: true });
  }

  /**
   * Lax, not Strict: the way back from the sign-in may be a chain of redirects that began on
   * another site (a bookmark, a link in an e-mail), and Strict cookies are withheld there.
   * It carries only one-time values, never authority.
   */
  writeSignIn(ctx: Context, state: SignInState): void {
    ctx.cookies.set(SIGN_IN_COOKIE, this.cipher.seal(JSON.stringify(state), 'console-sign-in'), {
      httpOnly: true,
      secure: this.secure,
      sameSite: 'lax',
      path: `${CONSOLE_PATH}/callback`,
      signed: false,
      overwrite: true,
      maxAge: FLOW_STATE_TTL_MS.consoleSignIn,
    });
  }

  /** The pending sign-in, removed as it is read: a state works once. */
  takeSignIn(ctx: Context): SignInState | null {
    const state = this.open<SignInState>(ctx.cookies.get(SIGN_IN_COOKIE), 'console-sign-in');
    ctx.cookies.set(SIGN_IN_COOKIE, null, { httpOnly: true, secure: this.secure, sameSite: 'lax', path: `${CONSOLE_PATH}/callback` });
    return state;
  }

  csrfToken(session: ConsoleSession): string {
    return createHmac('sha256', this.csrfKey).update(`console-csrf:${session.sid}`).digest('base64url');
  }

  csrfValid(session: ConsoleSession, presented: unknown): boolean {
    return secretsEqual(this.csrfToken(session), presented);
  }

  private open<T extends { expiresAt: number }>(sealed: string | undefined, context: string): T | null {
    if (!sealed || sealed.length > 4096) return null;
    try {
      const value = JSON.parse(this.cipher.open(sealed, context)) as T;
      return typeof value.expiresAt === 'number' && value.expiresAt > Date.now() / 1000 ? value : null;
    } catch (error) {
      if (error instanceof SealedValueError || error instanceof SyntaxError) return null;
      throw error;
    }
  }
}

export function randomValue(): string {
  return randomBytes(32).toString('base64url');
}
