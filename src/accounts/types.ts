import { newId } from '../ids.js';
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
  /** The authenticator-app factor, once enrolment is confirmed with a valid code. */
  totp: TotpFactor | null;
  /** SHA-256 of the unused recovery codes. */
  recoveryCodeHashes: string[];
  /** Language for e-mails and pages when the request does not say. */
  locale: 'sv' | 'en' | null;
  /** Upstream identities that sign in to this account: (connection, stable upstream subject). */
  identities: LinkedIdentity[];
  createdAt: string;
  updatedAt: string;
}

export interface LinkedIdentity {
  connectionId: string;
  subject: string;
  linkedAt: string;
}

export interface TotpFactor {
  /** The shared secret, sealed with the data-at-rest key (AES-256-GCM). */
  sealedSecret: string;
  /** The last time step a code was accepted for; that step and earlier ones never work again. */
  lastUsedStep: number;
  enabledAt: string;
}

/** The account as the outside world may see it: never a hash or a secret. */
export type PublicAccount = Omit<Account, 'passwordHash' | 'passwordHistory' | 'emailNormalized' | 'totp' | 'recoveryCodeHashes'> & {
  hasPassword: boolean;
  mfaEnabled: boolean;
  recoveryCodesLeft: number;
};

export function toPublicAccount(account: Account): PublicAccount {
  const { passwordHash, passwordHistory: _history, emailNormalized: _normalized, totp, recoveryCodeHashes, ...rest } = account;
  return { ...rest, hasPassword: passwordHash !== null, mfaEnabled: totp !== null, recoveryCodesLeft: recoveryCodeHashes.length };
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
    totp: null,
    recoveryCodeHashes: [],
    locale: null,
    identities: [],
    ...stored,
  } as Account;
}

/**
 * A new account record: no password, factor, lock or sign-in yet, waiting for its first
 * password (`invited`) unless `fields` say otherwise; the e-mail is normalised here.
 */
export function newAccount(fields: Pick<Account, 'tenantId' | 'email'> & Partial<Omit<Account, 'emailNormalized'>>, now: string): Account {
  return {
    id: newId(),
    name: null,
    staff: false,
    passwordHash: null,
    passwordHistory: [],
    passwordChangedAt: null,
    state: 'invited',
    lockedReason: null,
    lockedAt: null,
    lockedUntil: null,
    failedAttempts: 0,
    lastLoginAt: null,
    totp: null,
    recoveryCodeHashes: [],
    locale: null,
    identities: [],
    createdAt: now,
    updatedAt: now,
    ...fields,
    emailNormalized: normalizeEmail(fields.email),
  };
}
