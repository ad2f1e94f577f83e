import { createHmac } from 'node:crypto';
import type { Tenant } from '../../../tenants/types.js';
import { maskPersonalNumber, parsePersonalNumber } from '../../../accounts/personal-number.js';
import { FederationRefusal, type GrandidConnection, type UpstreamIdentity } from '../../types.js';
import type { Connector, StartRequest, Started, UpstreamAnswer } from '../connector.js';

/** A broker call that takes longer than this is treated as the broker being unavailable. */
export const GRANDID_TIMEOUT_MS = 10_000;

/** The connection's secrets, sealed together: the two broker keys and the key of its subject hash. */
export interface GrandidSecrets {
  apiKey: string;
  serviceKey: string;
  /** Random per connection, made at creation: the HMAC key of the subject (see grandidSubject). */
  subjectKey: string;
}

/**
 * The stable subject of a person at a GrandID connection: HMAC-SHA256 of the normalised
 * 12-digit personnummer under the connection's own random key (stored sealed with the
 * connection, so it is the same on every node and after restarts, and survives key rotation
 * of the data-at-rest cipher, which only reseals it). The personnummer itself is never a subject.
 */
export const grandidSubject = (subjectKey: string, personalNumber: string): string =>
  `pnr:${createHmac('sha256', subjectKey).update(personalNumber).digest('base64url')}`;

/**
 * Maps GrandID's errorObject codes to stable reasons. The broker's codes are words such as
 * CANCELLED, EXPIRED, ALREADY_IN_PROGRESS, SESSION_NOT_FOUND / INVALID_SESSIONID, or API key
 * errors; anything else is a failed sign-in.
 */
export function grandidReason(code: string): string {
  const rules: [RegExp, string][] = [
    [/cancel/i, 'cancelled'],
    [/expire|timeout/i, 'expired'],
    [/already|in_?progress/i, 'already_in_progress'],
    [/session|not_?found/i, 'invalid_session'],
    [/api_?key|service_?key|unauthori[sz]ed|forbidden|authenticate/i, 'broker_error'],
  ];
  return rules.find(([pattern]) => pattern.test(code))?.[1] ?? 'failed';
}

type Json = Record<string, unknown>;
const text = (value: unknown): string | null => (typeof value === 'string' && value.length > 0 ? value : null);

/**
 * Swedish e-ID through the GrandID broker (JSON API 1.1): FederatedLogin sends the browser to
 * the broker's page for one authenticate service (BankID, Freja eID…); the browser comes back
 * with ?grandidsession=<id>; GetSession tells who signed in.
 */
export class GrandidConnector implements Connector<GrandidConnection> {
  constructor(
    private readonly secretsOf: (connection: GrandidConnection) => GrandidSecrets,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  /** One broker call; its keys go in the query and are never logged or put in a refusal's detail. */
  private async call(connection: GrandidConnection, method: string, query: Record<string, string>, body?: URLSearchParams): Promise<Json> {
    const { apiKey, serviceKey } = this.secretsOf(connection);
    const url = new URL(method, connection.baseUrl);
    url.search = new URLSearchParams({ apiKey, authenticateServiceKey: serviceKey, ...query }).toString();
    let response: Response;
    let answer: unknown;
    try {
      response = await this.fetchImpl(url, {
        method: body ? 'POST' : 'GET',
        redirect: 'error',
        signal: AbortSignal.timeout(GRANDID_TIMEOUT_MS),
        ...(body ? { body, headers: { 'content-type': 'application/x-www-form-urlencoded' } } : {}),
      });
      answer = await response.json();
    } catch (error) {
      throw new FederationRefusal('broker_error', `${method}: ${(error as Error).name}`);
    }
    if (typeof answer !== 'object' || answer === null) throw new FederationRefusal('broker_error', `${method}: not an object`);
    const errorObject = (answer as Json).errorObject as Json | undefined;
    if (errorObject && typeof errorObject === 'object') {
      const code = text(errorObject.code) ?? 'UNKNOWN';
      throw new FederationRefusal(grandidReason(code), `${method}: ${code.slice(0, 100)}`);
    }
    if (!response.ok) throw new FederationRefusal('broker_error', `${method}: HTTP ${response.status}`);
    return answer as Json;
  }

  async start(connection: GrandidConnection, request: StartRequest): Promise<Started> {
    const answer = await this.call(connection, 'FederatedLogin', {}, new URLSearchParams({ callbackUrl: request.returnUrl }));
    const sessionId = text(answer.sessionId);
    const redirectUrl = text(answer.redirectUrl);
    if (!sessionId || !redirectUrl || !/^https?:\/\//i.test(redirectUrl))
      throw new FederationRefusal('broker_error', 'FederatedLogin: no session');
    return { url: redirectUrl, correlation: sessionId, pending: { sessionId } };
  }

  /** GrandID's Logout: the broker forgets the session (its answer carries nothing we need). */
  async endSession(connection: GrandidConnection, sessionId: string): Promise<void> {
    await this.call(connection, 'Logout', { sessionId });
  }

  async finish(
    connection: GrandidConnection,
    _tenant: Tenant,
    answer: UpstreamAnswer,
    pending: Record<string, string>,
  ): Promise<UpstreamIdentity> {
    const sessionId = answer.query.grandidsession ?? '';
    if (!sessionId || sessionId !== pending.sessionId) throw new FederationRefusal('invalid_session', 'session id mismatch');
    const session = await this.call(connection, 'GetSession', { sessionId });
    if (session.sessionId !== sessionId) throw new FederationRefusal('invalid_session', 'GetSession: another session');
    const attributes = (
      typeof session.userAttributes === 'object' && session.userAttributes !== null ? session.userAttributes : {}
    ) as Json;
    const parsed = parsePersonalNumber(text(attributes.personalNumber) ?? '');
    if (!parsed.ok) throw new FederationRefusal('invalid_personal_number', parsed.reason);
    const given = text(attributes.givenName);
    const surname = text(attributes.surname);
    const name = text(attributes.name) ?? ([given, surname].filter(Boolean).join(' ') || null);
    return {
      subject: grandidSubject(this.secretsOf(connection).subjectKey, parsed.value),
      email: null,
      emailVerified: false,
      name,
      // An e-ID sign-in (BankID, Freja eID) is possession of the device plus its PIN or biometrics.
      upstreamMfa: true,
      display: maskPersonalNumber(parsed.value),
      personalNumber: parsed.value,
      brokerSession: sessionId,
    };
  }
}
