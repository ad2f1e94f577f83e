/** What oidc-provider persists: sessions, interactions, grants, codes, tokens, clients' artefacts. */
export interface OidcPayloadRepository {
  upsert(model: string, id: string, payload: OidcPayload, expiresAt: number | undefined): Promise<void>;
  find(model: string, id: string): Promise<OidcPayload | undefined>;
  findByUid(model: string, uid: string): Promise<OidcPayload | undefined>;
  findByUserCode(model: string, userCode: string): Promise<OidcPayload | undefined>;
  /** Every live record of `model` that belongs to the account (sessions, grants), at most `limit`. */
  findByAccountId(model: string, accountId: string, limit: number): Promise<OidcPayload[]>;
  /**
   * Marks the record consumed without deleting it. Only the first call wins: it resolves true,
   * every later (or concurrent) call false, so a code or refresh token is redeemed once.
   */
  consume(model: string, id: string, at: number): Promise<boolean>;
  destroy(model: string, id: string): Promise<void>;
  revokeByGrantId(grantId: string): Promise<void>;
  /**
   * Removes every session, grant, code and token of an account, but the session `keepSessionId`
   * and the records of `keepGrantIds` (that session's own apps), if given.
   */
  revokeByAccountId(accountId: string, keepSessionId?: string, keepGrantIds?: readonly string[]): Promise<void>;
  /**
   * A number that moves with every change to, or removal of, any record of `model` (not with new
   * ones), made by any process; null where the store cannot tell, or keeps none for that kind.
   * Answered from what the store knows at once (never waits): it is read before every lookup.
   */
  revision(model: string): number | null;
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

/** One logout token still to be posted to an app's back-channel logout URI. */
export interface LogoutDelivery {
  id: string;
  clientId: string;
  /** The account the session belonged to (the token's sub, before any pairwise mapping). */
  accountId: string;
  /** The account's tenant when it was queued (for the audit trail); null if the account was gone. */
  tenantId: string | null;
  /** The session's id for this app (the token's sid). */
  sid: string;
  /** Why the session ended, for the audit trail: logout, profile_sign_out, account_disabled, … */
  reason: string;
  /** Attempts made so far. */
  attempts: number;
  /** When the next attempt is due (epoch ms). */
  dueAt: number;
  createdAt: number;
}

/**
 * The back-channel logout queue, in the store: any node (or the CLI) enqueues, any server node
 * delivers. A claim hides the delivery until the lease ends, so two nodes never post the same one
 * at once, and one that dies mid-delivery leaves it to be claimed again.
 */
export interface LogoutDeliveryRepository {
  enqueue(delivery: LogoutDelivery): Promise<void>;
  /** Claims up to `limit` deliveries due at `now`, each atomically, moving their dueAt to `leaseUntil`. */
  claimDue(now: number, leaseUntil: number, limit: number): Promise<LogoutDelivery[]>;
  /** After a failed attempt: the attempt counted, the next one due at `dueAt`. */
  reschedule(id: string, attempts: number, dueAt: number): Promise<void>;
  remove(id: string): Promise<void>;
}
