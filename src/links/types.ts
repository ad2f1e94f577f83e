export type OneTimeTokenKind = 'registration' | 'reset';

/** A registration or reset link's record. The link carries the token; only its hash is kept. */
export interface OneTimeToken {
  /** SHA-256 (hex) of the token. */
  hash: string;
  kind: OneTimeTokenKind;
  accountId: string;
  tenantId: string;
  createdAt: string;
  expiresAt: string;
  usedAt: string | null;
  /** The sign-in (interaction uid) the person came from, to continue it after the password is set. */
  returnTo: string | null;
}
