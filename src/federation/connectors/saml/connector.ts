import { SAML, ValidateInResponseTo, type CacheProvider, type Profile } from '@node-saml/node-saml';
import type { Tenant } from '../../../tenants/types.js';
import { SAML_MAX_RESPONSE_BYTES, SAML_REQUEST_TTL_MS } from '../../../config/defaults.js';
import { FederationRefusal, type SamlConnection, type UpstreamIdentity } from '../../types.js';
import type { Connector, StartRequest, Started, UpstreamAnswer } from '../connector.js';
import { checkVerifiedAssertion, precheckResponse } from './response-checks.js';

const TRANSIENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient';
const PERSISTENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent';

/** Where assertion ids are remembered (in the database, so every node sees them); true the first time only. */
export interface ReplayCache {
  firstUse(key: string, expiresAt: number): Promise<boolean>;
}

/** node-saml asks a cache for the request ids it issued; ours holds just the one this sign-in stored. */
function oneRequestCache(requestId: string | null, onSave: (id: string) => void = () => {}): CacheProvider {
  const at = new Date().toISOString();
  return {
    async saveAsync(key, value) {
      onSave(key);
      return { value, createdAt: Date.now() };
    },
    getAsync: async (key) => (requestId !== null && key === requestId ? at : null),
    removeAsync: async (key) => key,
  };
}

/** Maps node-saml's refusals to stable reasons. */
function reasonOf(message: string): string {
  const rules: [RegExp, string][] = [
    [/signature/i, 'bad_signature'],
    [/audience/i, 'wrong_audience'],
    [/issuer/i, 'wrong_issuer'],
    [/InResponseTo/i, 'in_response_to_mismatch'],
    [/expired|not yet valid|subject confirmation/i, 'assertion_not_valid_now'],
    [/status/i, 'upstream_denied'],
  ];
  return rules.find(([pattern]) => pattern.test(message))?.[1] ?? 'invalid_saml_response';
}

const first = (value: unknown): string | null => {
  const v: unknown = Array.isArray(value) ? (value as unknown[])[0] : value;
  return typeof v === 'string' && v.length > 0 ? v : null;
};

/**
 * SAML 2.0 Web SSO as a service provider, on node-saml: a signed AuthnRequest by HTTP-Redirect;
 * the response comes back by HTTP-POST to the ACS and is checked strictly (see finish).
 */
export class SamlConnector implements Connector<SamlConnection> {
  constructor(
    private readonly privateKeyOf: (connection: SamlConnection) => string,
    private readonly replay: ReplayCache,
    private readonly clock: () => number = Date.now,
  ) {}

  private saml(connection: SamlConnection, cache: CacheProvider): SAML {
    return new SAML({
      entryPoint: connection.idp.ssoUrl,
      issuer: connection.sp.entityId,
      callbackUrl: connection.sp.acsUrl,
      audience: connection.sp.entityId,
      idpIssuer: connection.idp.entityId,
      idpCert: connection.idp.certificates,
      privateKey: this.privateKeyOf(connection),
      signatureAlgorithm: 'sha256',
      digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256',
      identifierFormat: connection.attributes.subject === null ? PERSISTENT : null,
      disableRequestedAuthnContext: true,
      // The response or the assertion must be signed: either is enough, neither is refused.
      wantAuthnResponseSigned: false,
      wantAssertionsSigned: false,
      acceptedClockSkewMs: connection.clockSkewSeconds * 1000,
      validateInResponseTo: ValidateInResponseTo.always,
      requestIdExpirationPeriodMs: SAML_REQUEST_TTL_MS,
      cacheProvider: cache,
    });
  }

  async start(connection: SamlConnection, _request: StartRequest): Promise<Started> {
    let requestId = '';
    const url = await this.saml(
      connection,
      oneRequestCache(null, (id) => {
        requestId = id;
      }),
    ).getAuthorizeUrlAsync('', undefined, {});
    if (!requestId) throw new FederationRefusal('upstream_unavailable', 'no request id');
    return { url, correlation: requestId, pending: { requestId } };
  }

  async finish(
    connection: SamlConnection,
    _tenant: Tenant,
    answer: UpstreamAnswer,
    pending: Record<string, string>,
  ): Promise<UpstreamIdentity> {
    const samlResponse = answer.form.SAMLResponse ?? '';
    if (samlResponse.length > SAML_MAX_RESPONSE_BYTES) throw new FederationRefusal('saml_response_too_large');
    const xml = Buffer.from(samlResponse, 'base64').toString('utf8');
    const acsUrl = connection.sp.acsUrl;
    const now = this.clock();
    const doc = precheckResponse(xml, { acsUrl, allowSha1: connection.allowSha1, clockSkewMs: connection.clockSkewSeconds * 1000, now });
    if (doc.documentElement.getAttribute('InResponseTo') !== pending.requestId) throw new FederationRefusal('in_response_to_mismatch');

    let profile: Profile | null;
    try {
      ({ profile } = await this.saml(connection, oneRequestCache(pending.requestId ?? null)).validatePostResponseAsync({
        SAMLResponse: samlResponse,
      }));
    } catch (error) {
      throw new FederationRefusal(reasonOf((error as Error).message), (error as Error).message);
    }
    if (!profile) throw new FederationRefusal('no_assertion');
    const assertion = checkVerifiedAssertion(profile.getAssertionXml?.() ?? '', acsUrl);
    const ttl = Math.max(assertion.notOnOrAfter ?? now, now) + connection.clockSkewSeconds * 1000;
    if (!(await this.replay.firstUse(`${connection.id}:${assertion.id}`, ttl)))
      throw new FederationRefusal('assertion_replayed', assertion.id);
    return this.identify(connection, profile);
  }

  private identify(connection: SamlConnection, profile: Profile): UpstreamIdentity {
    const { attributes } = connection;
    const attribute = (name: string) => first((profile as Record<string, unknown>)[name]);
    let subject: string | null;
    if (attributes.subject === null) {
      // A transient NameID changes every sign-in: linking to it would make a new account each time.
      if (profile.nameIDFormat === TRANSIENT) throw new FederationRefusal('transient_name_id');
      subject = first(profile.nameID);
    } else {
      subject = attribute(attributes.subject);
    }
    if (!subject) throw new FederationRefusal('no_subject');
    return {
      subject,
      email: attribute(attributes.email),
      emailVerified: connection.emailVerified,
      name: attribute(attributes.name),
      upstreamMfa: false,
    };
  }
}
