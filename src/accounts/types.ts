export type AccountState = 'invited' | 'active' | 'locked' | 'disabled';

export interface Account {
  id: string;
  tenantId: string;
  /** As the person typed it. */
  email: string;
  /** Trimmed and lower-cased; unique per tenant. */
  emailNormalized: string;
  name: string | null;
  /** Staff and administrators meet the stricter built-in password floor (R4). */
  staff: boolean;
  /** bcrypt over a keyed SHA-256 pre-hash; null until a password is chosen. */
  passwordHash: string | null;
  /** Earlier hashes, newest first, as many as the tenant's history rule keeps. */
  passwordHistory: string[];
  passwordChangedAt: string | null;
  state: AccountState;
  lockedReason: string | null;
  lockedAt: string | null;
  /** End of a temporary lock; null for a lock that waits for an administrator. */
  lockedUntil: string | null;
  /** Consecutive failed attempts since the last success or unlock. */
  failedAttempts: number;
  lastLoginAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** The account as the outside world may see it: never a hash. */
export type PublicAccount = Omit<Account, 'passwordHash' | 'passwordHistory' | 'emailNormalized'> & { hasPassword: boolean };

export function toPublicAccount(account: Account): PublicAccount {
  const { passwordHash, passwordHistory: _history, emailNormalized: _normalized, ...rest } = account;
  return { ...rest, hasPassword: passwordHash !== null };
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Fields added after the first release get their defaults when an older record is read. */
export function withAccountDefaults(stored: Partial<Account> & Pick<Account, 'id'>): Account {
  return {
    staff: false,
    passwordHistory: [],
    passwordChangedAt: null,
    lockedUntil: null,
    ...stored,
  } as Account;
}
