import type { OidcPayload, OidcPayloadRepository } from '../../oidc/repository.js';
import { accountOf } from '../oidc-payload-fields.js';
import type { Database } from './database.js';

type PayloadRow = { payload: string; consumed_at: number | null };

const LIVE = '(expires_at IS NULL OR expires_at > $now)';
const UPSERT = `INSERT INTO oidc_payloads (model, id, payload, grant_id, uid, user_code, account_id, expires_at, consumed_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)
  ON CONFLICT (model, id) DO UPDATE SET payload = excluded.payload, grant_id = excluded.grant_id,
    uid = excluded.uid, user_code = excluded.user_code, account_id = excluded.account_id, expires_at = excluded.expires_at`;
const FIND = 'SELECT payload, consumed_at FROM oidc_payloads WHERE model = ? AND id = ? AND (expires_at IS NULL OR expires_at > ?)';
const CONSUME = 'UPDATE oidc_payloads SET consumed_at = ? WHERE model = ? AND id = ? AND consumed_at IS NULL';
const DESTROY = 'DELETE FROM oidc_payloads WHERE model = ? AND id = ?';

function toPayload(row: PayloadRow | undefined): OidcPayload | undefined {
  if (!row) return undefined;
  const payload = JSON.parse(row.payload) as OidcPayload;
  if (row.consumed_at !== null) payload.consumed = row.consumed_at;
  return payload;
}

export class SqliteOidcPayloads implements OidcPayloadRepository {
  constructor(private readonly db: Database) {}

  // Positional parameters and one prepared statement each: these run for every token, code and session.
  upsert(model: string, id: string, payload: OidcPayload, expiresAt: number | undefined) {
    const params = [
      model,
      id,
      JSON.stringify(payload),
      payload.grantId ?? null,
      payload.uid ?? null,
      payload.userCode ?? null,
      accountOf(payload),
      expiresAt ?? null,
    ];
    return this.db.batched(() => {
      this.db.run(UPSERT, params);
    });
  }

  async find(model: string, id: string) {
    return toPayload(this.db.get<PayloadRow>(FIND, [model, id, Date.now()]));
  }

  async findByUid(model: string, uid: string) {
    return toPayload(
      this.db.get<PayloadRow>(`SELECT payload, consumed_at FROM oidc_payloads WHERE model = $model AND uid = $uid AND ${LIVE}`, {
        model,
        uid,
        now: Date.now(),
      }),
    );
  }

  async findByUserCode(model: string, userCode: string) {
    return toPayload(
      this.db.get<PayloadRow>(`SELECT payload, consumed_at FROM oidc_payloads WHERE model = $model AND user_code = $userCode AND ${LIVE}`, {
        model,
        userCode,
        now: Date.now(),
      }),
    );
  }

  async findByAccountId(model: string, accountId: string, limit: number) {
    return this.db
      .all<PayloadRow>(
        `SELECT payload, consumed_at FROM oidc_payloads WHERE model = $model AND account_id = $account AND ${LIVE} ORDER BY rowid LIMIT $limit`,
        { model, account: accountId, now: Date.now(), limit },
      )
      .map((row) => toPayload(row)!);
  }

  consume(model: string, id: string, at: number) {
    return this.db.batched(() => this.db.run(CONSUME, [at, model, id]).changes === 1);
  }

  destroy(model: string, id: string) {
    return this.db.batched(() => {
      this.db.run(DESTROY, [model, id]);
    });
  }

  // Revocations join the same queue as the writes: a token written in this turn, before the
  // revocation was asked for, is committed first and then deleted with the rest, never after it.
  revokeByGrantId(grantId: string) {
    return this.db.batched(() => {
      this.db.run('DELETE FROM oidc_payloads WHERE grant_id = $grant', { grant: grantId });
    });
  }

  revokeByAccountId(accountId: string, keepSessionId?: string, keepGrantIds: readonly string[] = []) {
    return this.db.batched(() => {
      this.db.run(
        `DELETE FROM oidc_payloads WHERE account_id = $account AND NOT (model = 'Session' AND id IS $keep)
           AND (grant_id IS NULL OR grant_id NOT IN (SELECT value FROM json_each($grants)))`,
        { account: accountId, keep: keepSessionId ?? null, grants: JSON.stringify(keepGrantIds) },
      );
    });
  }

  /** Kinds without a revision row (see the migration that adds them) answer null. */
  revision(model: string) {
    return this.db.revision(`oidc_payloads.${model}`);
  }

  async purgeExpired(now: number) {
    return this.db.run('DELETE FROM oidc_payloads WHERE expires_at IS NOT NULL AND expires_at <= $now', { now }).changes;
  }
}
