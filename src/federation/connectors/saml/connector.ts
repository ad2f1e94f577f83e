import type { CacheProvider, Profile, SAML } from '@node-saml/node-saml';
import type { Tenant } from '../../../tenants/types.js';
import { SAML_MAX_RESPONSE_BYTES, SAML_REQUEST_TTL_MS } from '../../../config/defaults.js';
import { FederationRefusal, type SamlConnection, type UpstreamIdentity } from '../../types.js';
import type { Connector, StartRequest, Started, UpstreamAnswer } from '../connector.js';
import { checkVerifiedAssertion, precheckResponse } from './response-checks.js';
import { decryptAssertion } from './decrypt.js';

const TRANSIENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient';
const PERSISTENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent';

/** Our SP keys of a connection, in the clear (they are sealed at rest). */
export interface SpKeys {
  signingKeyOf(connection: SamlConnection): string;
  /** null: the connection has no encryption key (made before there were). */
  decryptionKeyOf(connection: SamlConnection): string | null;
}

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
 * SAML 2.0 Web SSO as a service provider, on node-saml: a signed AuthnRequest by HTTP-Redirect
 * or HTTP-POST (the IdP's binding); the response comes back by HTTP-POST to the ACS, its
 * assertion plain or encrypted to our key, and is checked strictly (see finish).
 */
export class SamlConnector implements Connector<SamlConnection> {
  constructor(
    private readonly keys: SpKeys,
    private readonly replay: ReplayCache,
    private readonly clock: () => number = Date.now,
  ) {}

  /**
   * node-saml set up for this connection; also used for single logout (single-logout.ts). The
   * library (and its XML stack) is loaded with the first SAML connection used, not at start.
   */
  async saml(connection: SamlConnection, cache: CacheProvider, options: { decrypt?: boolean; post?: boolean } = {}): Promise<SAML> {
    const { SAML, ValidateInResponseTo } = await import('@node-saml/node-saml');
    const decryptionPvk = options.decrypt ? this.keys.decryptionKeyOf(connection) : null;
    return new SAML({
      entryPoint: connection.idp.ssoUrl,
      logoutUrl: connection.idp.sloUrl ?? undefined,
      issuer: connection.sp.entityId,
      callbackUrl: connection.sp.acsUrl,
      audience: connection.sp.entityId,
      idpIssuer: connection.idp.entityId,
      idpCert: connection.idp.certificates,
      privateKey: this.keys.signingKeyOf(connection),
      ...(decryptionPvk ? { decryptionPvk } : {}),
      // HTTP-POST carries the signed XML itself (enveloped signature), not deflated.
      skipRequestCompression: options.post === true,
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
    this.refuseExpiredMetadata(connection);
    let requestId = '';
    const post = connection.idp.ssoBinding === 'post';
    const saml = await this.saml(
      connection,
      oneRequestCache(null, (id) => {
        requestId = id;
      }),
      { post },
    );
    if (post) {
      const message = (await saml.getAuthorizeMessageAsync('', undefined, {})) as Record<string, string>;
      if (!requestId) throw new FederationRefusal('upstream_unavailable', 'no request id');
      return { url: connection.idp.ssoUrl, form: { SAMLRequest: message.SAMLRequest! }, correlation: requestId, pending: { requestId } };
    }
    const url = await saml.getAuthorizeUrlAsync('', undefined, {});
    if (!requestId) throw new FederationRefusal('upstream_unavailable', 'no request id');
    return { url, correlation: requestId, pending: { requestId } };
  }

  /** Metadata past its validUntil is not used, even if a refresh keeps failing. */
  private refuseExpiredMetadata(connection: SamlConnection): void {
    const validUntil = Date.parse(connection.metadata.validUntil ?? '');
    if (!Number.isNaN(validUntil) && this.clock() >= validUntil)
      throw new FederationRefusal('metadata_expired', `the IdP metadata expired at ${connection.metadata.validUntil}`);
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
    this.refuseExpiredMetadata(connection);
    const decryptionKey = this.keys.decryptionKeyOf(connection);
    const doc = await precheckResponse(xml, {
      acsUrl,
      allowSha1: connection.allowSha1,
      clockSkewMs: connection.clockSkewSeconds * 1000,
      now,
      decrypt: decryptionKey ? (encrypted) => decryptAssertion(encrypted, decryptionKey) : null,
      requireEncrypted: connection.requireEncryptedAssertions === true && decryptionKey !== null,
    });
    if (doc.documentElement.getAttribute('InResponseTo') !== pending.requestId) throw new FederationRefusal('in_response_to_mismatch');

    let profile: Profile | null;
    try {
      ({ profile } = await (
        await this.saml(connection, oneRequestCache(pending.requestId ?? null), { decrypt: true })
      ).validatePostResponseAsync({
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
    const nameId = first(profile.nameID);
    return {
      subject,
      email: attribute(attributes.email),
      emailVerified: connection.emailVerified,
      name: attribute(attributes.name),
      upstreamMfa: false,
      // What a LogoutRequest must name later: the NameID as the IdP gave it, and its session.
      ...(nameId
        ? {
            upstreamSession: Object.fromEntries(
              Object.entries({
                nameID: nameId,
                nameIDFormat: profile.nameIDFormat,
                nameQualifier: profile.nameQualifier,
                spNameQualifier: profile.spNameQualifier,
                sessionIndex: profile.sessionIndex,
              }).filter((e): e is [string, string] => typeof e[1] === 'string' && e[1].length > 0),
            ),
          }
        : {}),
    };
  }
}
