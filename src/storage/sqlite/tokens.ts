import type { OneTimeToken } from '../../links/types.js';
import type { OneTimeTokenRepository } from '../../links/repository.js';
import type { Database } from './database.js';

type Row = { doc: string; used_at: string | null };

export class SqliteTokens implements OneTimeTokenRepository {
  constructor(private readonly db: Database) {}

  async insert(token: OneTimeToken) {
    this.db.run(
      'INSERT INTO one_time_tokens (hash, kind, account_id, expires_at, used_at, doc) VALUES ($hash, $kind, $account, $expires, $used, $doc)',
      {
        hash: token.hash,
        kind: token.kind,
        account: token.accountId,
        expires: token.expiresAt,
        used: token.usedAt,
        doc: JSON.stringify(token),
      },
      'token',
    );
  }

  async findByHash(hash: string) {
    const row = this.db.get<Row>('SELECT doc, used_at FROM one_time_tokens WHERE hash = $hash', { hash });
    return row ? { ...(JSON.parse(row.doc) as OneTimeToken), usedAt: row.used_at } : null;
  }

  async use(hash: string, at: string) {
    return (
      this.db.run('UPDATE one_time_tokens SET used_at = $at WHERE hash = $hash AND used_at IS NULL AND expires_at > $at', { hash, at })
        .changes === 1
    );
  }

  async voidOthers(accountId: string, kind: OneTimeToken['kind'], keepHash: string) {
    return this.db.run('DELETE FROM one_time_tokens WHERE account_id = $account AND kind = $kind AND hash <> $keep', {
      account: accountId,
      kind,
      keep: keepHash,
    }).changes;
  }

  async purgeExpired(now: string) {
    return this.db.run('DELETE FROM one_time_tokens WHERE expires_at <= $now', { now }).changes;
  }
}
