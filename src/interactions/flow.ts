import { randomBytes } from 'node:crypto';
import { secretsEqual } from '../crypto/equal.js';
import type { OidcPayloadRepository } from '../oidc/repository.js';

/**
 * The state of one sign-in, persisted beside the provider's interaction and expiring with it.
 * Steps: ask the e-mail, ask the password, and, when the password opened accounts in more
 * than one tenant, ask which one.
 */
export interface LoginFlow {
  uid: string;
  csrf: string;
  step: 'email' | 'password' | 'choose_tenant' | 'change_password' | 'second_factor' | 'enrol_second_factor' | 'enrolled';
  email: string | null;
  /** Accounts whose password was verified in this flow; the choice must be one of them. */
  verifiedAccountIds: string[];
  /** Verified accounts whose password breaks the tenant's current rules and must change first. */
  nonCompliantAccountIds: string[];
  /**
   * The account whose password was verified and chosen, while later steps remain. Stored at the
   * top of the record, so revoking the account's sessions (lock, disable, reset) ends this flow too.
   */
  accountId: string | null;
  /** A new TOTP secret (sealed) waiting for its first code during enrolment. */
  pendingTotpSecret: string | null;
  /** How the first factor was proved: a password, or an upstream identity provider. */
  firstFactor: 'pwd' | 'fed';
  /** How the second step was proved in this flow, once it was. */
  secondFactor: 'otp' | 'recovery_code' | 'upstream' | null;
  /** An upstream sign-in under way: what its answer must match. */
  federation: PendingFederation | null;
  /** The upstream that proved the first factor, for the record (absent in flows stored before it existed). */
  upstream?: { connectionId: string; kind: string; /** GrandID: the masked personnummer. */ person?: string } | null;
  expiresAt: number;
}

const MODEL = 'LoginFlow';

export interface PendingFederation {
  connectionId: string;
  /** The key the upstream's answer must come back with (OIDC state, SAML request id, GrandID session). */
  correlation: string;
  /** What the connector checks the answer against. */
  pending: Record<string, string>;
}

export class LoginFlowStore {
  constructor(private readonly payloads: OidcPayloadRepository) {}

  async load(uid: string, expiresAt: number): Promise<LoginFlow> {
    const stored = (await this.payloads.find(MODEL, uid)) as unknown as LoginFlow | undefined;
    if (stored) return stored;
    const flow: LoginFlow = { uid, csrf: randomBytes(32).toString('base64url'), expiresAt, ...firstStep() };
    await this.save(flow);
    return flow;
  }

  async save(flow: LoginFlow): Promise<void> {
    await this.payloads.upsert(MODEL, flow.uid, flow as never, flow.expiresAt);
  }

  async discard(uid: string): Promise<void> {
    await this.payloads.destroy(MODEL, uid);
  }
}

/**
 * The flow back at its start, keeping only its identity (uid, CSRF token, expiry): nothing a
 * previous attempt proved (a verified account, a second factor) may carry over to the next one.
 */
export function restartedFlow(flow: LoginFlow): LoginFlow {
  return { ...flow, ...firstStep() };
}

/** Everything of a flow but its identity, as it is before the first step. */
function firstStep(): Omit<LoginFlow, 'uid' | 'csrf' | 'expiresAt'> {
  return {
    step: 'email',
    email: null,
    verifiedAccountIds: [],
    nonCompliantAccountIds: [],
    accountId: null,
    pendingTotpSecret: null,
    firstFactor: 'pwd',
    secondFactor: null,
    federation: null,
    upstream: null,
  };
}

export function csrfMatches(flow: LoginFlow, presented: string | undefined): boolean {
  return secretsEqual(flow.csrf, presented);
}
