import { createVerify } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import type { CacheProvider, Profile } from '@node-saml/node-saml';
import { SAML_LOGOUT_TTL_MS, SAML_MAX_LOGOUT_MESSAGE_BYTES, SAML_MAX_LOGOUT_XML_BYTES } from '../../../config/defaults.js';
import { FederationRefusal, samlSloUrlOf, type SamlConnection } from '../../types.js';
import type { SamlConnector } from './connector.js';
import { children, parseXml, SAML_NS } from './xml.js';

/** Query-string signature algorithms (HTTP-Redirect binding) we verify, and their hash. */
const SIG_ALGS: Record<string, string> = {
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256': 'sha256',
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha384': 'sha384',
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512': 'sha512',
  'http://www.w3.org/2000/09/xmldsig#rsa-sha1': 'sha1',
};
const SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success';

/** What sign-out at the IdP needs of a SAML sign-in (the identity's upstreamSession). */
export interface SamlSession {
  nameID: string;
  nameIDFormat?: string;
  nameQualifier?: string;
  spNameQualifier?: string;
  sessionIndex?: string;
}

export type LogoutMessage =
  | { type: 'request'; id: string; nameId: string; sessionIndexes: string[] }
  | { type: 'response'; inResponseTo: string; success: boolean; status: string };

const captureId = (onSave: (id: string) => void): CacheProvider => ({
  async saveAsync(key, value) {
    onSave(key);
    return { value, createdAt: Date.now() };
  },
  getAsync: async () => null,
  removeAsync: async (key) => key,
});

/**
 * SAML single logout with the HTTP-Redirect binding, both directions: our signed LogoutRequest
 * when the person signs out here, our signed LogoutResponse to the IdP's, and the strict reading
 * of what the IdP sends to our SingleLogoutService (signature over the query, issuer, destination,
 * lifetime). Which request a response answers, and that it does so once, is the caller's (database).
 */
export class SamlSingleLogout {
  constructor(
    private readonly connector: SamlConnector,
    private readonly clock: () => number = Date.now,
  ) {}

  /** A signed LogoutRequest to the IdP's SLO endpoint, and its id (the answer's InResponseTo). */
  async requestUrl(connection: SamlConnection, session: SamlSession): Promise<{ url: string; requestId: string }> {
    if (!connection.idp.sloUrl) throw new FederationRefusal('no_single_logout');
    let requestId = '';
    const saml = await this.connector.saml(
      connection,
      captureId((id) => {
        requestId = id;
      }),
    );
    const url = await saml.getLogoutUrlAsync(session as unknown as Profile, '', {});
    if (!requestId) throw new FederationRefusal('upstream_unavailable', 'no request id');
    return { url, requestId };
  }

  /** Our signed LogoutResponse to a LogoutRequest of the IdP's. */
  async responseUrl(connection: SamlConnection, requestId: string, success: boolean, relayState: string): Promise<string> {
    if (!connection.idp.sloUrl) throw new FederationRefusal('no_single_logout');
    const saml = await this.connector.saml(
      connection,
      captureId(() => {}),
    );
    return saml.getLogoutResponseUrlAsync({ ID: requestId } as unknown as Profile, relayState, {}, success);
  }

  /**
   * Reads what the IdP sent to our SingleLogoutService by HTTP-Redirect, from the raw query
   * string (the signature covers the parameters exactly as they were encoded). Refuses, with a
   * stable reason: oversized, unsigned, a weak or unknown algorithm, a bad signature, the wrong
   * issuer or destination, or an expired request.
   */
  read(connection: SamlConnection, rawQuery: string): LogoutMessage {
    if (rawQuery.length > SAML_MAX_LOGOUT_MESSAGE_BYTES) throw new FederationRefusal('saml_message_too_large');
    const raw = new Map<string, string>();
    for (const part of rawQuery.split('&')) {
      const at = part.indexOf('=');
      if (at > 0 && !raw.has(part.slice(0, at))) raw.set(part.slice(0, at), part.slice(at + 1));
    }
    const kind = raw.has('SAMLRequest') ? 'SAMLRequest' : raw.has('SAMLResponse') ? 'SAMLResponse' : null;
    if (!kind || (raw.has('SAMLRequest') && raw.has('SAMLResponse')))
      throw new FederationRefusal('malformed_logout_message', 'one SAMLRequest or SAMLResponse');
    const decode = (name: string) => decodeURIComponent(raw.get(name)!.replace(/\+/g, ' '));
    if (!raw.has('Signature') || !raw.has('SigAlg')) throw new FederationRefusal('unsigned_logout_message');
    const sigAlg = decode('SigAlg');
    const hash = SIG_ALGS[sigAlg];
    if (!hash) throw new FederationRefusal('unsupported_signature_algorithm', sigAlg);
    if (hash === 'sha1' && !connection.allowSha1) throw new FederationRefusal('sha1_signature', sigAlg);
    const signed = [kind, 'RelayState', 'SigAlg']
      .filter((name) => raw.has(name))
      .map((name) => `${name}=${raw.get(name)!}`)
      .join('&');
    const signature = Buffer.from(decode('Signature'), 'base64');
    const valid = connection.idp.certificates.some((certificate) => {
      try {
        return createVerify(hash).update(signed).verify(certificate, signature);
      } catch {
        return false;
      }
    });
    if (!valid) throw new FederationRefusal('bad_signature');

    let xml: string;
    try {
      xml = inflateRawSync(Buffer.from(decode(kind), 'base64'), { maxOutputLength: SAML_MAX_LOGOUT_XML_BYTES }).toString('utf8');
    } catch (error) {
      throw new FederationRefusal('malformed_logout_message', (error as Error).message);
    }
    return this.readXml(connection, xml, kind === 'SAMLRequest' ? 'LogoutRequest' : 'LogoutResponse');
  }

  private readXml(connection: SamlConnection, xml: string, expected: 'LogoutRequest' | 'LogoutResponse'): LogoutMessage {
    let root;
    try {
      root = parseXml(xml).documentElement;
    } catch (error) {
      throw new FederationRefusal('malformed_logout_message', (error as Error).message);
    }
    if (root.namespaceURI !== SAML_NS.protocol || root.localName !== expected)
      throw new FederationRefusal('malformed_logout_message', `not a samlp:${expected}`);
    const issuer = children(root, SAML_NS.assertion, 'Issuer')[0]?.textContent?.trim();
    if (issuer !== connection.idp.entityId) throw new FederationRefusal('wrong_issuer', `Issuer ${issuer ?? '(none)'}`);
    // A signed message by HTTP-Redirect must name where it is going (SAML bindings 3.4.5.2): ours.
    const destination = root.getAttribute('Destination');
    if (destination !== samlSloUrlOf(connection))
      throw new FederationRefusal('wrong_destination', `Destination ${destination ?? '(none)'}`);
    if (expected === 'LogoutResponse') {
      const inResponseTo = root.getAttribute('InResponseTo');
      if (!inResponseTo) throw new FederationRefusal('unsolicited_logout_response');
      const status =
        children(children(root, SAML_NS.protocol, 'Status')[0] ?? root, SAML_NS.protocol, 'StatusCode')[0]?.getAttribute('Value') ?? '';
      return { type: 'response', inResponseTo, success: status === SUCCESS, status };
    }
    const id = root.getAttribute('ID');
    const nameId = children(root, SAML_NS.assertion, 'NameID')[0]?.textContent?.trim();
    if (!id || !nameId) throw new FederationRefusal('malformed_logout_message', 'a LogoutRequest needs an ID and a NameID');
    const now = this.clock();
    const skew = connection.clockSkewSeconds * 1000;
    const issued = Date.parse(root.getAttribute('IssueInstant') ?? '');
    const notOnOrAfter = Date.parse(root.getAttribute('NotOnOrAfter') ?? '');
    if (Number.isNaN(issued) || issued > now + skew || issued < now - skew - SAML_LOGOUT_TTL_MS)
      throw new FederationRefusal('logout_request_expired', `IssueInstant ${root.getAttribute('IssueInstant')}`);
    if (!Number.isNaN(notOnOrAfter) && now - skew >= notOnOrAfter) throw new FederationRefusal('logout_request_expired', 'NotOnOrAfter');
    const sessionIndexes = children(root, SAML_NS.protocol, 'SessionIndex').map((e) => e.textContent?.trim() ?? '');
    return { type: 'request', id, nameId, sessionIndexes };
  }
}
