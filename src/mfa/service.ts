import type { AccountRepository } from '../accounts/repository.js';
import type { Account } from '../accounts/types.js';
import type { AccountService } from '../accounts/service.js';
import type { FieldCipher } from '../crypto/field-cipher.js';
import { groupedKey, newTotpSecret, otpauthUri, verifyTotp } from './totp.js';
import { matchRecoveryCode, newRecoveryCodes } from './recovery-codes.js';
import { qrCodeDataUrl } from './qr.js';

/** What a person needs to add the factor to an authenticator app. */
export interface Enrolment {
  /** The new secret, sealed; kept by the caller (in the flow) until the first code confirms it. */
  sealedSecret: string;
  otpauthUri: string;
  groupedKey: string;
  qrDataUrl: string;
}

export type SecondFactorCheck =
  | { ok: true; method: 'otp' | 'recovery_code'; account: Account; recoveryCodesLeft: number }
  | { ok: false; reason: 'no_factor' | 'locked' | 'malformed' | 'wrong' | 'replayed'; account: Account; lockedNow: boolean };

export interface MfaServiceDeps {
  accounts: AccountRepository;
  /** The lockout counter shared with passwords: each code is counted before it is checked. */
  attempts: Pick<AccountService, 'beginAttempt' | 'refundAttempt' | 'settleFailedAttempt'>;
  cipher: FieldCipher;
  clock?: () => Date;
}

const pendingContext = (accountId: string) => `totp-pending:${accountId}`;
const factorContext = (accountId: string) => `totp:${accountId}`;
/** Recovery codes have letters and are longer than a six-digit code. */
const looksLikeRecoveryCode = (input: string) => /[a-z]/i.test(input) || input.replace(/\s/g, '').length > 8;

/** TOTP enrolment, verification (with replay refusal) and recovery codes. */
export class MfaService {
  private readonly clock: () => Date;

  constructor(private readonly deps: MfaServiceDeps) {
    this.clock = deps.clock ?? (() => new Date());
  }

  async beginEnrolment(account: Account, issuer: string): Promise<Enrolment> {
    return this.describeEnrolment(account, this.deps.cipher.seal(newTotpSecret(), pendingContext(account.id)), issuer);
  }

  /** The same enrolment again (after a wrong code), from its sealed secret. */
  async describeEnrolment(account: Account, sealedSecret: string, issuer: string): Promise<Enrolment> {
    const secret = this.deps.cipher.open(sealedSecret, pendingContext(account.id));
    const uri = otpauthUri({ issuer, accountName: account.email ?? account.name ?? account.id, secret });
    return { sealedSecret, otpauthUri: uri, groupedKey: groupedKey(secret), qrDataUrl: await qrCodeDataUrl(uri) };
  }

  /**
   * Activates the factor once a code from the app proves it was added; returns the recovery
   * codes, to be shown once (only their hashes are kept).
   */
  async confirmEnrolment(
    accountId: string,
    sealedSecret: string,
    code: string,
  ): Promise<
    { ok: true; account: Account; recoveryCodes: string[] } | { ok: false; reason: 'malformed' | 'wrong' | 'replayed' | 'already_enabled' }
  > {
    const secret = this.deps.cipher.open(sealedSecret, pendingContext(accountId));
    const now = this.clock();
    const check = verifyTotp(secret, code, now.getTime(), null);
    if (!check.ok) return check;
    const { codes, hashes } = newRecoveryCodes();
    const result = await this.deps.accounts.update(accountId, (account) =>
      account.totp
        ? null
        : {
            ...account,
            totp: {
              sealedSecret: this.deps.cipher.seal(secret, factorContext(accountId)),
              lastUsedStep: check.step,
              enabledAt: now.toISOString(),
            },
            recoveryCodeHashes: hashes,
            updatedAt: now.toISOString(),
          },
    );
    if (!result) return { ok: false, reason: 'already_enabled' };
    return { ok: true, account: result.after, recoveryCodes: codes };
  }

  /**
   * Checks a code from the app, or a recovery code (burnt on use). A time step is accepted
   * once: the step is stored atomically, so a code replayed, even in parallel, is refused.
   * The attempt is counted toward the lockout before the code is checked and given back if it
   * was right, so parallel guesses cannot outrun the lock, and a locked account takes no code.
   */
  async verify(account: Account, input: string): Promise<SecondFactorCheck> {
    if (!account.totp) return { ok: false, reason: 'no_factor', account, lockedNow: false };
    const attempt = await this.deps.attempts.beginAttempt(account);
    if (!attempt.counted) return { ok: false, reason: 'locked', account: attempt.refusal.account, lockedNow: false };
    let outcome;
    try {
      outcome = looksLikeRecoveryCode(input) ? await this.useRecoveryCode(account, input) : await this.useTotp(account, input);
    } catch (error) {
      // A failure of ours (a seed our keys cannot open, the store) is no guess: the attempt is given back.
      await this.deps.attempts.refundAttempt(attempt);
      throw error;
    }
    if (outcome.ok) {
      const refunded = await this.deps.attempts.refundAttempt(attempt);
      if (!refunded) return { ok: false, reason: 'locked', account: attempt.account, lockedNow: false };
      return { ...outcome, account: { ...refunded, totp: outcome.account.totp, recoveryCodeHashes: outcome.account.recoveryCodeHashes } };
    }
    await this.deps.attempts.settleFailedAttempt(attempt);
    return { ok: false, reason: outcome.reason, account: attempt.account, lockedNow: attempt.lockedNow };
  }

  private async useTotp(
    account: Account,
    input: string,
  ): Promise<SecondFactorCheck | { ok: false; reason: 'malformed' | 'wrong' | 'replayed' }> {
    const secret = this.deps.cipher.open(account.totp!.sealedSecret, factorContext(account.id));
    const check = verifyTotp(secret, input, this.clock().getTime(), account.totp!.lastUsedStep);
    if (!check.ok) return check;
    const result = await this.deps.accounts.update(account.id, (current) =>
      current.totp && check.step > current.totp.lastUsedStep ? { ...current, totp: { ...current.totp, lastUsedStep: check.step } } : null,
    );
    if (!result) return { ok: false, reason: 'replayed' };
    return { ok: true, method: 'otp', account: result.after, recoveryCodesLeft: result.after.recoveryCodeHashes.length };
  }

  private async useRecoveryCode(account: Account, input: string): Promise<SecondFactorCheck | { ok: false; reason: 'wrong' }> {
    let burnt = false;
    const result = await this.deps.accounts.update(account.id, (current) => {
      const index = matchRecoveryCode(input, current.recoveryCodeHashes);
      burnt = index >= 0;
      return burnt ? { ...current, recoveryCodeHashes: current.recoveryCodeHashes.filter((_, i) => i !== index) } : null;
    });
    if (!result || !burnt) return { ok: false, reason: 'wrong' };
    return { ok: true, method: 'recovery_code', account: result.after, recoveryCodesLeft: result.after.recoveryCodeHashes.length };
  }

  /** Opens the account's TOTP seed, to prove the configured keys still can (checked at start). */
  openSecret(account: Account & { totp: NonNullable<Account['totp']> }): void {
    this.deps.cipher.open(account.totp.sealedSecret, factorContext(account.id));
  }

  /** Seals the account's TOTP secret again with the newest key, if it is not already; true when it did. */
  async resealSecret(accountId: string): Promise<boolean> {
    const { cipher } = this.deps;
    const result = await this.deps.accounts.update(accountId, (account) => {
      if (!account.totp || cipher.isCurrent(account.totp.sealedSecret)) return null;
      const secret = cipher.open(account.totp.sealedSecret, factorContext(accountId));
      return { ...account, totp: { ...account.totp, sealedSecret: cipher.seal(secret, factorContext(accountId)) } };
    });
    return result !== null;
  }

  /** Removes the factor and its recovery codes (the person after re-entering the password, or an administrator). */
  async disable(accountId: string): Promise<{ before: Account; after: Account } | null> {
    const now = this.clock().toISOString();
    return this.deps.accounts.update(accountId, (account) => ({ ...account, totp: null, recoveryCodeHashes: [], updatedAt: now }));
  }

  /** Replaces every recovery code; the old ones stop working. */
  async regenerateRecoveryCodes(accountId: string): Promise<string[] | null> {
    const { codes, hashes } = newRecoveryCodes();
    const result = await this.deps.accounts.update(accountId, (account) =>
      account.totp ? { ...account, recoveryCodeHashes: hashes } : null,
    );
    return result ? codes : null;
  }
}
