import { createHmac, randomBytes } from 'node:crypto';
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
  /** Hashes of nothing anyone knows, per cost, compared against when there is no account. */
  private readonly decoys = new Map<number, Promise<string>>();
  /** How many stored hashes have each cost, as far as this process has seen (a sample at start, then changes). */
  private readonly storedCosts = new Map<number, number>();

  constructor(private readonly cost: number) {
    // Made ahead, so the first unknown e-mail does not also pay for making it.
    void this.decoy(cost);
  }

  hash(password: string): Promise<string> {
    return bcrypt.hash(prehash(password), this.cost);
  }

  verify(password: string, hash: string): Promise<boolean> {
    return bcrypt.compare(prehash(password), hash);
  }

  /** A stored hash made at another cost than the configured one is made again at the next right password. */
  needsRehash(hash: string): boolean {
    return costOf(hash) !== this.cost;
  }

  /** Learns what stored hashes cost (a sample read at start). */
  observeStored(hashes: Iterable<string>): void {
    for (const hash of hashes) this.count(costOf(hash), 1);
    void this.decoy(this.decoyCost);
  }

  /** A stored hash was replaced by one at another cost. */
  replaced(oldHash: string, newHash: string): void {
    this.count(costOf(oldHash), -1);
    this.count(costOf(newHash), 1);
  }

  /**
   * The cost an unknown e-mail's comparison spends: the median of the stored hashes, so that
   * during a cost migration it takes as long as a wrong password for a typical account does.
   */
  get decoyCost(): number {
    const total = [...this.storedCosts.values()].reduce((a, b) => a + b, 0);
    if (total === 0) return this.cost;
    let seen = 0;
    for (const cost of [...this.storedCosts.keys()].sort((a, b) => a - b)) {
      seen += this.storedCosts.get(cost)!;
      if (seen * 2 >= total) return cost;
    }
    return this.cost;
  }

  /** Spends the same work as a real verification and always fails. */
  async verifyDecoy(password: string): Promise<false> {
    await bcrypt.compare(prehash(password), await this.decoy(this.decoyCost));
    return false;
  }

  private decoy(cost: number): Promise<string> {
    let decoy = this.decoys.get(cost);
    if (!decoy) this.decoys.set(cost, (decoy = bcrypt.hash(prehash(`decoy-${randomBytes(16).toString('hex')}`), cost)));
    return decoy;
  }

  private count(cost: number, by: number): void {
    const next = (this.storedCosts.get(cost) ?? 0) + by;
    if (next > 0) this.storedCosts.set(cost, next);
    else this.storedCosts.delete(cost);
  }
}

function costOf(hash: string): number {
  return bcrypt.getRounds(hash);
}
