import { createHmac } from 'node:crypto';
import bcrypt from 'bcrypt';

/**
 * bcrypt reads only the first 72 bytes of its input. Rather than truncate silently,
 * every password is first reduced to a fixed-size keyed SHA-256 digest (base64, 44 bytes),
 * so every character of a long passphrase counts.
 */
const PREHASH_LABEL = 'idp-password-prehash-v1';

function prehash(password: string): string {
  return createHmac('sha256', PREHASH_LABEL).update(password.normalize('NFC'), 'utf8').digest('base64');
}

export class PasswordHasher {
  /** A hash of nothing anyone knows, compared against when there is no account, so timing matches. */
  private readonly decoy: Promise<string>;

  constructor(private readonly cost: number) {
    this.decoy = bcrypt.hash(prehash(`decoy-${Math.random()}`), cost);
  }

  hash(password: string): Promise<string> {
    return bcrypt.hash(prehash(password), this.cost);
  }

  verify(password: string, hash: string): Promise<boolean> {
    return bcrypt.compare(prehash(password), hash);
  }

  /** Spends the same work as a real verification and always fails. */
  async verifyDecoy(password: string): Promise<false> {
    await bcrypt.compare(prehash(password), await this.decoy);
    return false;
  }
}
