import { newId } from '../ids.js';
export type AccountState = 'invited' | 'active' | 'locked' | 'disabled';

export interface Account {
  id: string;
  tenantId: string;
  /**
   * As the person typed it. Null for an account made from an e-ID sign-in: it has no password
   * sign-in, links or notices until an administrator sets an address.
   */
  email: string | null;
  /** Trimmed and lower-cased; unique per tenant; null with `email`. */
  emailNormalized: string | null;
  /** The Swedish personnummer tied to the account for e-ID sign-in; unique per tenant. */
  personalNumber: StoredPersonalNumber | null;
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

/** Never the number in the clear: a keyed hash to find the account by, and the number sealed. */
export interface StoredPersonalNumber {
  /** HMAC-SHA256 of the tenant and the 12-digit number under the store's personal-number key. */
  hash: string;
  /** The 12-digit number, sealed with the data-at-rest key (context `personal-number:<accountId>`). */
  sealed: string;
}

export interface TotpFactor {
  /** The shared secret, sealed with the data-at-rest key (AES-256-GCM). */
  sealedSecret: string;
  /** The last time step a code was accepted for; that step and earlier ones never work again. */
  lastUsedStep: number;
  enabledAt: string;
}

/** The account as the outside world may see it: never a hash or a secret; the personnummer masked. */
export type PublicAccount = Omit<
  Account,
  'passwordHash' | 'passwordHistory' | 'emailNormalized' | 'totp' | 'recoveryCodeHashes' | 'personalNumber'
> & {
  /** Masked, e.g. `19811218-****`. */
  personalNumber: string | null;
  hasPassword: boolean;
  mfaEnabled: boolean;
  recoveryCodesLeft: number;
};

/** `maskedPersonalNumber` comes from PersonalNumbers.masked (opening the sealed number needs the cipher). */
export function toPublicAccount(account: Account, maskedPersonalNumber: string | null): PublicAccount {
  const {
    passwordHash,
    passwordHistory: _history,
    emailNormalized: _normalized,
    totp,
    recoveryCodeHashes,
    personalNumber: _pnr,
    ...rest
  } = account;
  return {
    ...rest,
    personalNumber: maskedPersonalNumber,
    hasPassword: passwordHash !== null,
    mfaEnabled: totp !== null,
    recoveryCodesLeft: recoveryCodeHashes.length,
  };
}

export function normalizeEmail(email: string): string;
export function normalizeEmail(email: string | null): string | null;
export function normalizeEmail(email: string | null): string | null {
  return email === null ? null : email.trim().toLowerCase();
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
    personalNumber: null,
    ...stored,
  } as Account;
}

/**
 * A new account record: no password, factor, lock or sign-in yet, waiting for its first
 * password (`invited`) unless `fields` say otherwise; the e-mail (if any) is normalised here.
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
    personalNumber: null,
    createdAt: now,
    updatedAt: now,
    ...fields,
    emailNormalized: normalizeEmail(fields.email),
  };
}
