/** What oidc-provider persists: sessions, interactions, grants, codes, tokens, clients' artefacts. */
export interface OidcPayloadRepository {
  upsert(model: string, id: string, payload: OidcPayload, expiresAt: number | undefined): Promise<void>;
  find(model: string, id: string): Promise<OidcPayload | undefined>;
  findByUid(model: string, uid: string): Promise<OidcPayload | undefined>;
  findByUserCode(model: string, userCode: string): Promise<OidcPayload | undefined>;
  /**
   * Marks the record consumed without deleting it. Only the first call wins: it resolves true,
   * every later (or concurrent) call false, so a code or refresh token is redeemed once.
   */
  consume(model: string, id: string, at: number): Promise<boolean>;
  destroy(model: string, id: string): Promise<void>;
  revokeByGrantId(grantId: string): Promise<void>;
  /** Removes every session, grant, code and token of an account (but the session `keepSessionId`, if given). */
  revokeByAccountId(accountId: string, keepSessionId?: string): Promise<void>;
  /** Removes every record whose expiry has passed; returns how many. */
  purgeExpired(now: number): Promise<number>;
}

export interface OidcPayload {
  [key: string]: unknown;
  grantId?: string;
  uid?: string;
  userCode?: string;
  consumed?: number;
  /** An account id, for sessions and tokens. */
  accountId?: string;
}
