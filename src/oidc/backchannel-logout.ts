import type Provider from 'oidc-provider';
import type { AuditService } from '../audit/service.js';
import type { Logger } from '../log/logger.js';
import { BACKCHANNEL_LOGOUT } from '../config/defaults.js';
import type { LogoutDelivery, LogoutDeliveryRepository } from './repository.js';
import type { SessionEnder } from './session-end.js';

type Send = (this: LogoutClient, sub: string, sid: string) => Promise<void>;
interface LogoutClient {
  clientId: string;
  backchannelLogoutUri?: string;
  backchannelLogout: Send;
}

/**
 * oidc-provider posts logout tokens itself while it answers the logout request, once, without
 * retrying. Here its logout only queues them (a row in the store, so the answer is not held up and
 * the delivery outlives the request and this node); BackchannelLogoutWorker sends them with
 * oidc-provider's own token code (signed like an ID token, `events`, `jti`, `sid`, no nonce).
 * Returns that original sender.
 */
export function queueProviderLogouts(
  provider: Provider,
  sessions: SessionEnder,
): (client: LogoutClient, sub: string, sid: string) => Promise<void> {
  const prototype = provider.Client.prototype as unknown as LogoutClient;
  const send = prototype.backchannelLogout;
  prototype.backchannelLogout = function queueLogout(this: LogoutClient, sub: string, sid: string) {
    return sessions.queueLogout(this.clientId, sub, sid, 'logout');
  };
  return (client, sub, sid) => send.call(client, sub, sid);
}

export interface WorkerDeps {
  provider: Provider;
  deliveries: LogoutDeliveryRepository;
  send: (client: LogoutClient, sub: string, sid: string) => Promise<void>;
  audit: AuditService;
  logger: Logger;
  /** One retry per entry, after that wait. */
  retryDelaysMs: number[];
}

/** Delivers queued logout tokens: on every server node, each delivery claimed by one of them at a time. */
export class BackchannelLogoutWorker {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;

  constructor(private readonly deps: WorkerDeps) {}

  start(): void {
    this.timer = setInterval(() => this.kick(), BACKCHANNEL_LOGOUT.pollIntervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Looks for due deliveries now (a second call while one runs makes it look once more). */
  kick(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain()
      .catch((error: unknown) => this.deps.logger.error({ err: error }, 'back-channel logout delivery failed'))
      .finally(() => {
        this.running = undefined;
        if (this.again && this.timer) {
          this.again = false;
          this.kick();
        }
      });
  }

  private async drain(): Promise<void> {
    for (;;) {
      this.again = false;
      const now = Date.now();
      const due = await this.deps.deliveries.claimDue(now, now + BACKCHANNEL_LOGOUT.leaseMs, BACKCHANNEL_LOGOUT.batch);
      await Promise.all(due.map((delivery) => this.attempt(delivery)));
      if (due.length < BACKCHANNEL_LOGOUT.batch && !this.again) return;
    }
  }

  private async attempt(delivery: LogoutDelivery): Promise<void> {
    const attempts = delivery.attempts + 1;
    const client = (await this.deps.provider.Client.find(delivery.clientId).catch(() => undefined)) as LogoutClient | undefined;
    if (!client?.backchannelLogoutUri) {
      await this.deps.deliveries.remove(delivery.id);
      return this.record(delivery, attempts, 'failure', 'no_logout_uri');
    }
    try {
      await this.deps.send(client, delivery.accountId, delivery.sid);
    } catch (error) {
      // fetch's own message is only "fetch failed"; the cause says why (refused, timed out, special-use address).
      const cause = (error as { cause?: { message?: unknown } }).cause?.message;
      const reason = `${(error as Error).message}${typeof cause === 'string' ? `: ${cause}` : ''}`.slice(0, 300);
      const delay = this.deps.retryDelaysMs[attempts - 1];
      if (delay !== undefined) {
        this.deps.logger.warn({ clientId: delivery.clientId, attempts, reason }, 'back-channel logout attempt failed; will retry');
        await this.deps.deliveries.reschedule(delivery.id, attempts, Date.now() + delay);
        return;
      }
      await this.deps.deliveries.remove(delivery.id);
      return this.record(delivery, attempts, 'failure', 'retries_exhausted', { lastError: reason });
    }
    await this.deps.deliveries.remove(delivery.id);
    return this.record(delivery, attempts, 'success');
  }

  private async record(
    delivery: LogoutDelivery,
    attempts: number,
    outcome: 'success' | 'failure',
    reason?: string,
    extra: Record<string, unknown> = {},
  ): Promise<void> {
    await this.deps.audit.record({
      tenantId: delivery.tenantId,
      actor: { type: 'system', id: 'backchannel-logout' },
      action: outcome === 'success' ? 'backchannel_logout.delivered' : 'backchannel_logout.failed',
      outcome,
      reason: reason ?? null,
      target: { type: 'client', id: delivery.clientId },
      details: { accountId: delivery.accountId, sid: delivery.sid, sessionEnded: delivery.reason, attempts, ...extra },
    });
  }
}

/** Queues oidc-provider's logouts and starts this node's worker; it looks at once when this process queues one. */
export function startBackchannelLogouts(deps: Omit<WorkerDeps, 'send'> & { sessions: SessionEnder }): BackchannelLogoutWorker {
  const { sessions, ...rest } = deps;
  const worker = new BackchannelLogoutWorker({ ...rest, send: queueProviderLogouts(deps.provider, sessions) });
  sessions.onQueued(() => worker.kick());
  worker.start();
  return worker;
}
