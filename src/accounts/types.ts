export type AccountState = 'invited' | 'active' | 'locked' | 'disabled';

export interface Account {
  id: string;
  tenantId: string;
  /** As the person typed it. */
  email: string;
  /** Trimmed and lower-cased; unique per tenant. */
  emailNormalized: string;
  name: string | null;
  /** bcrypt over a keyed SHA-256 pre-hash; null until a password is chosen. */
  passwordHash: string | null;
  state: AccountState;
  lockedReason: string | null;
  lockedAt: string | null;
  failedAttempts: number;
  lastLoginAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** The account as the outside world may see it: never the hash. */
export type PublicAccount = Omit<Account, 'passwordHash' | 'emailNormalized'> & { hasPassword: boolean };

export function toPublicAccount(account: Account): PublicAccount {
  const { passwordHash, emailNormalized: _normalized, ...rest } = account;
  return { ...rest, hasPassword: passwordHash !== null };
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}
