import { CONNECTION_KINDS } from '../federation/types.js';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { LatencyHistogram, type HistogramSeries } from './latency-histogram.js';
import type { KeyStatus } from '../keys/key-set.js';
import type { AuditEvent } from '../audit/types.js';

/**
 * The service's Prometheus metrics, one registry per server. Labels come only from closed sets
 * written here (outcomes, grant types, route families): never an e-mail, an address, a tenant's
 * free text or anything a client sends. Whatever falls outside a set is counted as `other`.
 */
const SIGN_IN_OUTCOMES = new Set([
  'wrong_password',
  'locked',
  'unknown_account',
  'not_active',
  'rate_limited',
  'second_factor_unavailable',
  'account_not_usable',
  'tenant_not_active',
  'tenant_not_allowed',
  'passwords_not_allowed',
  'invalid_code',
]);
const GRANT_TYPES = new Set(['authorization_code', 'refresh_token', 'client_credentials', 'urn:ietf:params:oauth:grant-type:device_code']);
/** Mail kinds are constants in the code (registration, reset, account_locked…), never input. */
const MAIL_KIND = /^[a-z_]{1,32}$/;

const ROUTE_FAMILIES: [prefix: string, family: string][] = [
  ['/admin/', 'admin'],
  ['/interaction/', 'interaction'],
  ['/federation/', 'federation'],
  ['/account', 'profile'],
  ['/token', 'token'],
  ['/auth', 'authorization'],
  ['/jwks', 'jwks'],
  ['/.well-known/', 'discovery'],
  ['/me', 'userinfo'],
  ['/healthz', 'health'],
  ['/readyz', 'health'],
  ['/metrics', 'metrics'],
  ['/session', 'logout'],
  ['/assets/', 'assets'],
];

export function routeFamily(path: string): string {
  return ROUTE_FAMILIES.find(([prefix]) => path === prefix || path.startsWith(prefix))?.[1] ?? 'other';
}

const CONNECTION_KIND_SET = new Set<string>(CONNECTION_KINDS);
const kindOf = (details: AuditEvent['details']) => (typeof details?.kind === 'string' ? details.kind : null);

const HTTP_METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);

const known = (value: string | null | undefined, set: Set<string>) => (value && set.has(value) ? value : 'other');

export class Metrics {
  readonly registry = new Registry();
  private readonly signIns = new Counter({
    name: 'idp_sign_ins_total',
    help: 'Sign-in attempts by method (password, second_factor, federated), connection kind for federated ones, and outcome',
    labelNames: ['method', 'kind', 'outcome'],
    registers: [this.registry],
  });
  private readonly lockouts = new Counter({
    name: 'idp_lockouts_total',
    help: 'Accounts locked after failed attempts',
    registers: [this.registry],
  });
  private readonly unlocks = new Counter({
    name: 'idp_unlocks_total',
    help: 'Accounts unlocked by an administrator',
    registers: [this.registry],
  });
  private readonly secondFactor = new Counter({
    name: 'idp_second_factor_verifications_total',
    help: '2FA code verifications by outcome',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  private readonly tokens = new Counter({
    name: 'idp_tokens_issued_total',
    help: 'Token endpoint grants that succeeded, by grant type',
    labelNames: ['grant_type'],
    registers: [this.registry],
  });
  private readonly mails = new Counter({
    name: 'idp_emails_total',
    help: 'E-mails by kind and outcome (sent, failed)',
    labelNames: ['kind', 'outcome'],
    registers: [this.registry],
  });
  private readonly latency = new LatencyHistogram(
    'idp_http_request_duration_seconds',
    'Request latency by route family, method and status class',
    [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    this.registry,
  );

  /** Seconds since each published signing key started signing (negative: a next key, not yet). */
  keyAges(statuses: () => KeyStatus[]): void {
    new Gauge({
      name: 'idp_signing_key_age_seconds',
      help: 'Age of each published signing key since it started (or will start) signing, by algorithm and state',
      labelNames: ['alg', 'state'],
      registers: [this.registry],
      collect() {
        this.reset();
        const now = Date.now();
        for (const key of statuses()) this.set({ alg: key.alg, state: key.state }, Math.round((now - Date.parse(key.activatesAt)) / 1000));
      },
    });
  }

  constructor() {
    // Includes nodejs_eventloop_lag_seconds and its percentiles, heap and GC figures.
    collectDefaultMetrics({ register: this.registry });
  }

  /** Counts what an audit event says happened (the trail is where every sign-in, lock and mail is recorded). */
  observe(event: Pick<AuditEvent, 'action' | 'outcome' | 'reason' | 'details'>): void {
    const failed = event.outcome === 'failure';
    switch (event.action) {
      case 'login.password':
      case 'login.federated':
        this.signIns.inc({
          method: event.action === 'login.password' ? 'password' : 'federated',
          kind: event.action === 'login.federated' ? known(kindOf(event.details), CONNECTION_KIND_SET) : 'none',
          outcome: failed ? known(event.reason, SIGN_IN_OUTCOMES) : 'success',
        });
        return;
      case 'login.second_factor':
        this.signIns.inc({ method: 'second_factor', kind: 'none', outcome: failed ? known(event.reason, SIGN_IN_OUTCOMES) : 'success' });
        this.secondFactor.inc({ outcome: failed ? 'failure' : 'success' });
        return;
      case 'account.locked':
        this.lockouts.inc();
        return;
      case 'admin.account.unlock':
        if (!failed) this.unlocks.inc();
        return;
      default:
        if (event.action.startsWith('mail.'))
          this.mails.inc({
            kind: MAIL_KIND.test(event.action.slice(5)) ? event.action.slice(5) : 'other',
            outcome: failed ? 'failed' : 'sent',
          });
    }
  }

  tokenIssued(grantType: unknown): void {
    this.tokens.inc({ grant_type: known(typeof grantType === 'string' ? grantType : null, GRANT_TYPES) });
  }

  /** One series per label combination, made once: every request is timed. */
  private readonly latencyByLabels = new Map<string, HistogramSeries>();

  request(path: string, method: string, status: number, seconds: number): void {
    const route = routeFamily(path);
    const m = HTTP_METHODS.has(method) ? method : 'other';
    const statusClass = `${Math.floor(status / 100)}xx`;
    const key = `${route} ${m} ${statusClass}`;
    let child = this.latencyByLabels.get(key);
    if (!child) {
      child = this.latency.seriesFor({ route, method: m, status: statusClass });
      this.latencyByLabels.set(key, child);
    }
    child.observe(seconds);
  }
}
