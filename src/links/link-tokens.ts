import { createHash, randomBytes } from 'node:crypto';
import type { OneTimeTokenRepository } from './repository.js';
import type { OneTimeToken, OneTimeTokenKind } from './types.js';

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export type TokenProblem = 'unknown' | 'expired' | 'used' | 'wrong_kind';

/** Single-use, expiring tokens for links: 256 random bits, of which only a hash is stored. */
export class LinkTokens {
  constructor(
    private readonly tokens: OneTimeTokenRepository,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** A new token for the account; every older one of the same kind stops working. */
  async issue(
    kind: OneTimeTokenKind,
    account: { id: string; tenantId: string },
    lifetimeMs: number,
    returnTo: string | null,
  ): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    const now = this.clock();
    const record: OneTimeToken = {
      hash: hashToken(token),
      kind,
      accountId: account.id,
      tenantId: account.tenantId,
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + lifetimeMs).toISOString(),
      usedAt: null,
      returnTo,
    };
    await this.tokens.insert(record);
    await this.tokens.voidOthers(account.id, kind, record.hash);
    return token;
  }

  /** The token's record if it can still be used, else why not. Uses nothing. */
  async inspect(token: string): Promise<{ ok: true; record: OneTimeToken } | { ok: false; problem: TokenProblem }> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return { ok: false, problem: 'unknown' };
    const record = await this.tokens.findByHash(hashToken(token));
    if (!record) return { ok: false, problem: 'unknown' };
    if (record.usedAt) return { ok: false, problem: 'used' };
    if (Date.parse(record.expiresAt) <= this.clock().getTime()) return { ok: false, problem: 'expired' };
    return { ok: true, record };
  }

  /** Spends the token; true for exactly one caller, and only while it is valid. */
  use(token: string): Promise<boolean> {
    return this.tokens.use(hashToken(token), this.clock().toISOString());
  }
}
