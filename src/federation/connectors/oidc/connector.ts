import * as oidc from 'openid-client';
import type { Tenant } from '../../../tenants/types.js';
import { FederationRefusal, type OidcConnection, type UpstreamIdentity } from '../../types.js';
import { UPSTREAM_DISCOVERY_TTL_MS } from '../../../config/defaults.js';
import type { Connector, StartRequest, Started, UpstreamAnswer } from '../connector.js';
import type { OidcProfile } from './profile.js';
import { entra } from './entra.js';
import { google } from './google.js';
import { genericOidc } from './generic.js';

const PROFILES: Record<OidcConnection['kind'], OidcProfile> = { entra, google, oidc: genericOidc };

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Reads why openid-client refused a response, as a stable reason for the audit trail. */
function refusalReason(error: unknown): string {
  const messages: string[] = [];
  for (let e = error as { message?: string; cause?: unknown; error?: string } | undefined; e; e = e.cause as typeof e) {
    if (e.error) messages.push(`upstream:${e.error}`);
    if (e.message) messages.push(e.message);
  }
  const all = messages.join(' | ');
  const rules: [RegExp, string][] = [
    [/upstream:access_denied|upstream:login_required/, 'upstream_denied'],
    [/"state"/, 'state_mismatch'],
    [/"nonce"/, 'nonce_mismatch'],
    [/signature/i, 'bad_signature'],
    [/"aud"|audience/, 'wrong_audience'],
    [/"exp"|expired/, 'token_expired'],
    [/"iss"|issuer/, 'wrong_issuer'],
    [/upstream:invalid_grant/, 'invalid_grant'],
  ];
  return rules.find(([pattern]) => pattern.test(all))?.[1] ?? 'invalid_upstream_response';
}

/**
 * OpenID Connect, with openid-client: discovery, authorization code with PKCE, state and
 * nonce, ID token validation. What differs between entra, google and oidc is their profile.
 */
export class OidcConnector implements Connector<OidcConnection> {
  private readonly configurations = new Map<string, { at: number; version: string; config: Promise<oidc.Configuration> }>();

  constructor(
    private readonly clientSecretOf: (connection: OidcConnection) => string,
    /** Network access to upstreams; tests point the well-known hosts at local servers. */
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  private configuration(connection: OidcConnection): Promise<oidc.Configuration> {
    const cached = this.configurations.get(connection.id);
    if (cached && cached.version === connection.updatedAt && Date.now() - cached.at < UPSTREAM_DISCOVERY_TTL_MS) return cached.config;
    const insecure = LOOPBACK.has(new URL(connection.issuer).hostname) && connection.issuer.startsWith('http:');
    const config = oidc
      .discovery(new URL(connection.issuer), connection.clientId, this.clientSecretOf(connection), undefined, {
        [oidc.customFetch]: this.fetchImpl,
        // The ID token's signature is checked too, not only the TLS channel it came over.
        execute: insecure ? [oidc.allowInsecureRequests, oidc.enableNonRepudiationChecks] : [oidc.enableNonRepudiationChecks],
      })
      .then((configuration) => {
        configuration[oidc.customFetch] = this.fetchImpl;
        return configuration;
      });
    config.catch(() => this.configurations.delete(connection.id));
    this.configurations.set(connection.id, { at: Date.now(), version: connection.updatedAt, config });
    return config;
  }

  async start(connection: OidcConnection, { returnUrl, hint }: StartRequest): Promise<Started> {
    const config = await this.configuration(connection).catch((error: unknown) => {
      throw new FederationRefusal('upstream_unavailable', (error as Error).message);
    });
    const expectations = { state: oidc.randomState(), nonce: oidc.randomNonce(), codeVerifier: oidc.randomPKCECodeVerifier() };
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: returnUrl,
      scope: connection.scopes.join(' '),
      state: expectations.state,
      nonce: expectations.nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(expectations.codeVerifier),
      code_challenge_method: 'S256',
      ...PROFILES[connection.kind].authorizationParams(connection, hint),
    });
    return { url: url.toString(), correlation: expectations.state, pending: { ...expectations, returnUrl } };
  }

  /** Redeems the code and verifies the ID token; throws FederationRefusal with the reason. */
  async finish(
    connection: OidcConnection,
    tenant: Tenant,
    answer: UpstreamAnswer,
    expected: Record<string, string>,
  ): Promise<UpstreamIdentity> {
    const config = await this.configuration(connection);
    const callback = new URL(`${expected.returnUrl}?${new URLSearchParams(answer.query).toString()}`);
    let claims: Record<string, unknown> | undefined;
    try {
      const tokens = await oidc.authorizationCodeGrant(config, callback, {
        pkceCodeVerifier: expected.codeVerifier!,
        expectedState: expected.state!,
        expectedNonce: expected.nonce!,
        idTokenExpected: true,
      });
      claims = tokens.claims();
    } catch (error) {
      throw new FederationRefusal(refusalReason(error), (error as Error).message);
    }
    if (!claims) throw new FederationRefusal('no_id_token');
    return PROFILES[connection.kind].identify(claims, connection, tenant);
  }
}
