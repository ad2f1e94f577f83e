import { newId } from '../ids.js';
import type { AccountRepository } from '../accounts/repository.js';
import type { ClientRepository } from '../clients/repository.js';
import type { LogoutDeliveryRepository, OidcPayload, OidcPayloadRepository } from './repository.js';
import { SESSION_END } from '../config/defaults.js';
import { SESSION_DEVICE } from './session-devices.js';

/** Why sessions ended; the audit trail of each logout delivery names it. */
export type SessionEndReason =
  | 'logout'
  | 'sign_out_elsewhere'
  | 'app_revoked'
  | 'password_change'
  | 'password_reset'
  | 'password_set'
  | 'account_locked'
  | 'account_disabled'
  | 'account_deleted'
  | 'tenant_deleted'
  // The upstream IdP's own single logout (a SAML LogoutRequest).
  | 'upstream_logout';

/** What a listener learns when sessions end outside oidc-provider's own logout endpoint. */
export interface SessionsEnded {
  accountId: string;
  reason: SessionEndReason;
  /** The ended sessions' uids. */
  sessionUids: string[];
}

type Authorizations = Record<string, { sid?: string; grantId?: string }>;

export interface SessionEndDeps {
  payloads: OidcPayloadRepository;
  deliveries: LogoutDeliveryRepository;
  clients: ClientRepository;
  accounts: AccountRepository;
}

/**
 * Ends sessions found by account (an administrator disabling it, a lock, a password reset,
 * "sign out everywhere else") and queues a back-channel logout for every app each session
 * signed in to that asked for one. oidc-provider's own logout reaches queueLogout directly.
 */
export class SessionEnder {
  private readonly queuedListeners: (() => void)[] = [];
  private readonly endedListeners: ((event: SessionsEnded) => void | Promise<void>)[] = [];

  constructor(private readonly deps: SessionEndDeps) {}

  /** Called after deliveries were queued (the server's worker starts at once instead of at its next poll). */
  onQueued(listener: () => void): void {
    this.queuedListeners.push(listener);
  }

  /** Called after an account's sessions were ended here; a listener's failure is its own. */
  onEnded(listener: (event: SessionsEnded) => void | Promise<void>): void {
    this.endedListeners.push(listener);
  }

  /**
   * Every session of the account ends, with the grants and tokens of its apps (but `keepSessionId`,
   * the cookie value of the one making the change, and what its apps were granted).
   */
  async endAccountSessions(accountId: string, reason: SessionEndReason, keepSessionId?: string): Promise<void> {
    const kept = keepSessionId ? await this.deps.payloads.find('Session', keepSessionId) : undefined;
    const sessions = (await this.deps.payloads.findByAccountId('Session', accountId, SESSION_END.maxSessionsPerAccount)).filter(
      (session) => !kept || session.uid !== kept.uid,
    );
    for (const session of sessions) await this.queueForSession(accountId, session, reason);
    // The kept session's device record carries the account id too: it is put back after the sweep.
    const keptDevice = kept?.uid ? await this.deps.payloads.find(SESSION_DEVICE, String(kept.uid)) : undefined;
    // The kept session's own apps keep their grants and tokens: only the other sessions' end.
    const keptGrantIds = Object.values((kept?.authorizations ?? {}) as Authorizations).flatMap((a) => (a.grantId ? [a.grantId] : []));
    await this.deps.payloads.revokeByAccountId(accountId, keepSessionId, keptGrantIds);
    if (kept?.uid && keptDevice) {
      const expiresAt = typeof kept.exp === 'number' ? kept.exp * 1000 : undefined;
      await this.deps.payloads.upsert(SESSION_DEVICE, String(kept.uid), keptDevice, expiresAt);
    }
    const event = { accountId, reason, sessionUids: sessions.map((s) => String(s.uid)) };
    for (const listener of this.endedListeners) await Promise.resolve(listener(event)).catch(() => undefined);
  }

  /** One app loses the account (its grant was revoked): each session that signed in to it tells it so. */
  async endAppSessions(accountId: string, clientId: string): Promise<void> {
    const sessions = await this.deps.payloads.findByAccountId('Session', accountId, SESSION_END.maxSessionsPerAccount);
    for (const session of sessions) await this.queueForSession(accountId, session, 'app_revoked', clientId);
  }

  /** Queues one logout token, if the app has a back-channel logout URI. */
  async queueLogout(clientId: string, accountId: string, sid: string, reason: SessionEndReason): Promise<void> {
    if (await this.enqueue(clientId, accountId, sid, reason)) this.notifyQueued();
  }

  private async queueForSession(accountId: string, session: OidcPayload, reason: SessionEndReason, onlyClientId?: string) {
    let queued = false;
    // The account (for its tenant) is read once for all the session's apps, and only if one asked to be told.
    let tenantId: Promise<string | null> | undefined;
    const tenantOf = () => (tenantId ??= this.tenantOf(accountId));
    for (const [clientId, authorization] of Object.entries((session.authorizations ?? {}) as Authorizations)) {
      if (onlyClientId && clientId !== onlyClientId) continue;
      if (authorization.sid && (await this.enqueue(clientId, accountId, authorization.sid, reason, tenantOf))) queued = true;
    }
    if (queued) this.notifyQueued();
  }

  private async tenantOf(accountId: string): Promise<string | null> {
    return (await this.deps.accounts.findById(accountId))?.tenantId ?? null;
  }

  private async enqueue(
    clientId: string,
    accountId: string,
    sid: string,
    reason: SessionEndReason,
    tenantOf = () => this.tenantOf(accountId),
  ): Promise<boolean> {
    const client = await this.deps.clients.findById(clientId);
    if (!client?.backchannelLogoutUri) return false;
    const tenantId = await tenantOf();
    const now = Date.now();
    await this.deps.deliveries.enqueue({
      id: newId(),
      clientId,
      accountId,
      tenantId,
      sid,
      reason,
      attempts: 0,
      dueAt: now,
      createdAt: now,
    });
    return true;
  }

  private notifyQueued(): void {
    for (const listener of this.queuedListeners) listener();
  }
}
