import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { createPublicKey, createSign, randomBytes } from 'node:crypto';
import { SignedXml } from 'xml-crypto';
import { generateSpKey } from '../../src/federation/connectors/saml/sp-key.js';

/**
 * A real signing (and, when asked, encrypting) SAML IdP for tests: its SSO endpoint (HTTP-Redirect
 * or HTTP-POST) reads our AuthnRequest and answers with the HTTP-POST form a browser would submit
 * to our ACS, the response signed with xml-crypto and the assertion encrypted with xml-encryption.
 * `next` changes the next response to exercise each refusal. Its SLO endpoint (HTTP-Redirect)
 * answers our LogoutRequest with a signed LogoutResponse; logoutRequestUrl starts its own logout.
 */
export interface SamlResponseChange {
  unsigned?: boolean;
  foreignKey?: boolean;
  sha1?: boolean;
  /** Signature wrapping: a forged assertion beside the signed one, or the signed one hidden inside the forged one. */
  wrap?: 'sibling' | 'nested';
  validFrom?: number;
  validUntil?: number;
  audience?: string;
  recipient?: string;
  transient?: boolean;
  unsolicited?: boolean;
  signResponse?: boolean;
  /** Encrypts the (signed) assertion to this certificate (AES-256-GCM, RSA-OAEP), as an encrypting IdP does. */
  encryptTo?: string;
  /** Encrypts with RSA v1.5 key transport (padding-oracle prone) instead of RSA-OAEP. */
  weakKeyTransport?: boolean;
}

/** What the IdP's metadata offers; changed with setMetadata. */
export interface SamlIdpMetadataOptions {
  ssoBinding?: 'redirect' | 'post' | 'both';
  /** Publishes a SingleLogoutService (HTTP-Redirect). */
  slo?: boolean;
  validUntil?: string;
  cacheDuration?: string;
}

/** A LogoutRequest the IdP received from us, with the query it came in (to check our signature). */
export interface ReceivedLogoutRequest {
  id: string;
  nameId: string;
  sessionIndex: string | null;
  xml: string;
  rawQuery: string;
}

export interface SamlIdp {
  entityId: string;
  ssoUrl: string;
  certificate: string;
  metadataUrl: string;
  metadataXml(): string;
  /** Makes the metadata URL fail (HTTP 500) until set back. */
  breakMetadata(broken: boolean): void;
  signInAs(user: { nameId: string; email?: string; name?: string }): void;
  next(change: SamlResponseChange): void;
  setMetadata(options: SamlIdpMetadataOptions): void;
  /** The last form the IdP handed to the browser: its ACS URL and SAMLResponse. */
  lastPost(): { action: string; SAMLResponse: string } | null;
  /** The last AuthnRequest: by which binding, its XML (deflated for Redirect, as posted for POST) and the raw query. */
  lastAuthnRequest(): { binding: 'redirect' | 'post'; xml: string; rawQuery: string } | null;
  lastLogoutRequest(): ReceivedLogoutRequest | null;
  /** Where the IdP sent the browser back with its LogoutResponse (our SLO endpoint). */
  lastLogoutResponseUrl(): string | null;
  /** The last LogoutResponse of ours the IdP received (to its own LogoutRequest). */
  lastLogoutResponse(): { xml: string; rawQuery: string } | null;
  /** The next LogoutResponse reports this status instead of Success. */
  nextLogoutStatus(status: string | null): void;
  /** An IdP-initiated LogoutRequest to our SLO endpoint, signed by the IdP (or another key, or not at all). */
  logoutRequestUrl(
    spSloUrl: string,
    nameId: string,
    options?: {
      sessionIndex?: string;
      key?: 'own' | 'rogue' | 'none';
      issuer?: string;
      id?: string;
      padding?: number;
      destination?: string;
    },
  ): string;
  close(): Promise<void>;
}

const C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';
const ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function sign(xml: string, key: string, cert: string, idOf: 'Assertion' | 'Response', sha1: boolean): string {
  const sig = new SignedXml({
    privateKey: key,
    publicCert: cert,
    signatureAlgorithm: sha1 ? 'http://www.w3.org/2000/09/xmldsig#rsa-sha1' : 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    canonicalizationAlgorithm: C14N,
  });
  sig.addReference({
    xpath: `//*[local-name(.)='${idOf}']`,
    digestAlgorithm: sha1 ? 'http://www.w3.org/2000/09/xmldsig#sha1' : 'http://www.w3.org/2001/04/xmlenc#sha256',
    transforms: [ENVELOPED, C14N],
  });
  sig.computeSignature(xml, { location: { reference: `//*[local-name(.)='${idOf}']/*[local-name(.)='Issuer']`, action: 'after' } });
  return sig.getSignedXml();
}

type Encrypt = (xml: string, options: Record<string, unknown>, done: (error: Error | null, result?: string) => void) => void;
const xmlenc = createRequire(import.meta.url)('xml-encryption') as { encrypt: Encrypt };

function encrypt(xml: string, certificate: string, weak = false): Promise<string> {
  return new Promise((resolve, reject) =>
    xmlenc.encrypt(
      xml,
      {
        rsa_pub: createPublicKey(certificate).export({ type: 'spki', format: 'pem' }),
        pem: certificate,
        encryptionAlgorithm: 'http://www.w3.org/2009/xmlenc11#aes256-gcm',
        keyEncryptionAlgorithm: weak ? 'http://www.w3.org/2001/04/xmlenc#rsa-1_5' : 'http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p',
        disallowEncryptionWithInsecureAlgorithm: !weak,
        warnInsecureAlgorithm: false,
      },
      (error, result) => (error || !result ? reject(error ?? new Error('not encrypted')) : resolve(result)),
    ),
  );
}

/** An HTTP-Redirect binding message: deflated, base64, and the query signed with RSA-SHA256. */
function redirectUrl(target: string, param: 'SAMLRequest' | 'SAMLResponse', xml: string, key: string | null, relayState?: string): string {
  const enc = encodeURIComponent;
  let query = `${param}=${enc(deflateRawSync(Buffer.from(xml)).toString('base64'))}`;
  if (relayState) query += `&RelayState=${enc(relayState)}`;
  if (key) {
    query += `&SigAlg=${enc('http://www.w3.org/2001/04/xmldsig-more#rsa-sha256')}`;
    query += `&Signature=${enc(createSign('sha256').update(query).sign(key, 'base64'))}`;
  }
  return `${target}${target.includes('?') ? '&' : '?'}${query}`;
}

export async function startSamlIdp(): Promise<SamlIdp> {
  const own = await generateSpKey('test-idp');
  const rogue = await generateSpKey('rogue-idp');
  let user = { nameId: 'user-1', email: 'user@example.com', name: 'User' } as { nameId: string; email?: string; name?: string };
  let change: SamlResponseChange = {};
  let last: { action: string; SAMLResponse: string } | null = null;
  let spEntityId = '';
  let metadataBroken = false;
  let metadataOptions: SamlIdpMetadataOptions = {};
  let authnRequest: { binding: 'redirect' | 'post'; xml: string; rawQuery: string } | null = null;
  let logoutRequest: ReceivedLogoutRequest | null = null;
  let logoutResponseUrl: string | null = null;
  let logoutResponse: { xml: string; rawQuery: string } | null = null;
  let logoutStatus: string | null = null;

  const readBody = (req: http.IncomingMessage) =>
    new Promise<URLSearchParams>((resolve) => {
      let data = '';
      req.on('data', (chunk: Buffer) => (data += chunk.toString()));
      req.on('end', () => resolve(new URLSearchParams(data)));
    });

  async function sso(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    const post = req.method === 'POST';
    const encoded = post ? ((await readBody(req)).get('SAMLRequest') ?? '') : (url.searchParams.get('SAMLRequest') ?? '');
    const raw = Buffer.from(encoded, 'base64');
    const request = post ? raw.toString('utf8') : inflateRawSync(raw).toString('utf8');
    authnRequest = { binding: post ? 'post' : 'redirect', xml: request, rawQuery: url.search.slice(1) };
    const requestId = /\sID="([^"]+)"/.exec(request)?.[1] ?? '';
    const acs = /AssertionConsumerServiceURL="([^"]+)"/.exec(request)?.[1] ?? '';
    spEntityId = /<(?:saml:)?Issuer[^>]*>([^<]+)</.exec(request)?.[1] ?? '';
    const body = await respond(requestId, acs);
    change = {};
    last = { action: acs, SAMLResponse: body };
    res.setHeader('content-type', 'text/html');
    res.end(
      `<form method="post" action="${esc(acs)}"><input type="hidden" name="SAMLResponse" value="${esc(body)}"><button>Continue</button></form>`,
    );
  }

  /** Our LogoutRequest: recorded, and answered with a signed LogoutResponse back to the SP's SLO endpoint. */
  function slo(res: http.ServerResponse, url: URL): void {
    const rawQuery = url.search.slice(1);
    if (url.searchParams.has('SAMLResponse')) {
      logoutResponse = { xml: inflateRawSync(Buffer.from(url.searchParams.get('SAMLResponse')!, 'base64')).toString('utf8'), rawQuery };
      res.end('signed out at the IdP');
      return;
    }
    const xml = inflateRawSync(Buffer.from(url.searchParams.get('SAMLRequest') ?? '', 'base64')).toString('utf8');
    const id = /\sID="([^"]+)"/.exec(xml)?.[1] ?? '';
    const issuer = /<(?:saml:)?Issuer[^>]*>([^<]+)</.exec(xml)?.[1] ?? '';
    logoutRequest = {
      id,
      nameId: /<(?:saml:)?NameID[^>]*>([^<]+)</.exec(xml)?.[1] ?? '',
      sessionIndex: /<(?:saml2?p:)?SessionIndex[^>]*>([^<]+)</.exec(xml)?.[1] ?? null,
      xml,
      rawQuery,
    };
    const spSlo = issuer.replace(/\/metadata$/, '/slo');
    const status = logoutStatus ?? 'urn:oasis:names:tc:SAML:2.0:status:Success';
    logoutStatus = null;
    const response =
      `<samlp:LogoutResponse xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_l${randomBytes(12).toString('hex')}" Version="2.0" IssueInstant="${new Date().toISOString()}" Destination="${esc(spSlo)}" InResponseTo="${esc(id)}">` +
      `<saml:Issuer>${entityId}</saml:Issuer><samlp:Status><samlp:StatusCode Value="${status}"/></samlp:Status></samlp:LogoutResponse>`;
    logoutResponseUrl = redirectUrl(spSlo, 'SAMLResponse', response, own.privateKey, url.searchParams.get('RelayState') ?? undefined);
    res.statusCode = 302;
    res.setHeader('location', logoutResponseUrl);
    res.end();
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/metadata') {
      res.statusCode = metadataBroken ? 500 : 200;
      res.end(metadataBroken ? 'down' : metadataXml());
      return;
    }
    if (url.pathname === '/slo') return slo(res, url);
    if (url.pathname !== '/sso' || (req.method !== 'POST' && !url.searchParams.has('SAMLRequest'))) {
      res.statusCode = 404;
      res.end();
      return;
    }
    sso(req, res, url).catch((error: unknown) => {
      res.statusCode = 500;
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const entityId = `${base}/idp`;

  function assertion(id: string, requestId: string, acs: string, subject: string): string {
    const now = Date.now();
    const from = new Date(change.validFrom ?? now - 1000).toISOString();
    const until = new Date(change.validUntil ?? now + 5 * 60_000).toISOString();
    const format = change.transient ? 'transient' : 'persistent';
    const irt = change.unsolicited ? '' : ` InResponseTo="${requestId}"`;
    const attrs = [
      ['email', user.email],
      ['name', user.name],
    ]
      .filter(([, v]) => v)
      .map(([k, v]) => `<saml:Attribute Name="${k}"><saml:AttributeValue>${esc(v!)}</saml:AttributeValue></saml:Attribute>`)
      .join('');
    return (
      `<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${id}" Version="2.0" IssueInstant="${new Date(now).toISOString()}">` +
      `<saml:Issuer>${entityId}</saml:Issuer>` +
      `<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:${format}">${esc(subject)}</saml:NameID>` +
      `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData${irt} NotOnOrAfter="${until}" Recipient="${esc(change.recipient ?? acs)}"/></saml:SubjectConfirmation></saml:Subject>` +
      `<saml:Conditions NotBefore="${from}" NotOnOrAfter="${until}"><saml:AudienceRestriction><saml:Audience>${esc(change.audience ?? spEntityId)}</saml:Audience></saml:AudienceRestriction></saml:Conditions>` +
      `<saml:AuthnStatement AuthnInstant="${new Date(now).toISOString()}" SessionIndex="_s${id}"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>` +
      `<saml:AttributeStatement>${attrs}</saml:AttributeStatement></saml:Assertion>`
    );
  }

  async function respond(requestId: string, acs: string): Promise<string> {
    const key = change.foreignKey ? rogue : own;
    const assertionId = `_a${randomBytes(12).toString('hex')}`;
    let signedAssertion = assertion(assertionId, requestId, acs, user.nameId);
    if (!change.unsigned && !change.signResponse)
      signedAssertion = sign(signedAssertion, key.privateKey, key.certificate, 'Assertion', !!change.sha1);
    if (change.encryptTo)
      signedAssertion = `<saml:EncryptedAssertion>${await encrypt(signedAssertion, change.encryptTo, change.weakKeyTransport)}</saml:EncryptedAssertion>`;
    let inner = signedAssertion;
    if (change.wrap) {
      const forged = assertion(`_f${randomBytes(12).toString('hex')}`, requestId, acs, 'admin-forged');
      inner =
        change.wrap === 'sibling'
          ? `${forged}${signedAssertion}`
          : forged.replace('</saml:Subject>', `</saml:Subject><saml:Advice>${signedAssertion}</saml:Advice>`);
    }
    const irt = change.unsolicited ? '' : ` InResponseTo="${requestId}"`;
    let xml =
      `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r${randomBytes(12).toString('hex')}" Version="2.0" IssueInstant="${new Date().toISOString()}" Destination="${esc(acs)}"${irt}>` +
      `<saml:Issuer>${entityId}</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>${inner}</samlp:Response>`;
    if (change.signResponse && !change.unsigned) xml = sign(xml, key.privateKey, key.certificate, 'Response', !!change.sha1);
    return Buffer.from(xml).toString('base64');
  }

  const certBase64 = own.certificate.replace(/-----[^-]+-----|\s/g, '');
  function metadataXml(): string {
    const o = metadataOptions;
    const bindings = o.ssoBinding === 'both' ? ['HTTP-Redirect', 'HTTP-POST'] : [o.ssoBinding === 'post' ? 'HTTP-POST' : 'HTTP-Redirect'];
    const lifetime = `${o.validUntil ? ` validUntil="${o.validUntil}"` : ''}${o.cacheDuration ? ` cacheDuration="${o.cacheDuration}"` : ''}`;
    return (
      `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="${entityId}"${lifetime}>` +
      `<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>${certBase64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>` +
      (o.slo ? `<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${base}/slo"/>` : '') +
      bindings.map((b) => `<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:${b}" Location="${base}/sso"/>`).join('') +
      `</md:IDPSSODescriptor></md:EntityDescriptor>`
    );
  }

  function logoutRequestUrl(
    spSloUrl: string,
    nameId: string,
    options: {
      sessionIndex?: string;
      key?: 'own' | 'rogue' | 'none';
      issuer?: string;
      id?: string;
      padding?: number;
      destination?: string;
    } = {},
  ): string {
    const xml =
      `<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${options.id ?? `_i${randomBytes(12).toString('hex')}`}" Version="2.0" IssueInstant="${new Date().toISOString()}" Destination="${esc(options.destination ?? spSloUrl)}">` +
      `<saml:Issuer>${esc(options.issuer ?? entityId)}</saml:Issuer><saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">${esc(nameId)}</saml:NameID>` +
      (options.sessionIndex ? `<samlp:SessionIndex>${esc(options.sessionIndex)}</samlp:SessionIndex>` : '') +
      (options.padding ? `<!--${' '.repeat(options.padding)}-->` : '') +
      `</samlp:LogoutRequest>`;
    const key = options.key === 'none' ? null : options.key === 'rogue' ? rogue.privateKey : own.privateKey;
    return redirectUrl(spSloUrl, 'SAMLRequest', xml, key, 'idp-relay');
  }
  return {
    entityId,
    ssoUrl: `${base}/sso`,
    metadataUrl: `${base}/metadata`,
    certificate: own.certificate,
    metadataXml,
    breakMetadata(broken) {
      metadataBroken = broken;
    },
    signInAs(next) {
      user = next;
    },
    next(c) {
      change = c;
    },
    setMetadata(options) {
      metadataOptions = options;
    },
    lastPost: () => last,
    lastAuthnRequest: () => authnRequest,
    lastLogoutRequest: () => logoutRequest,
    lastLogoutResponseUrl: () => logoutResponseUrl,
    lastLogoutResponse: () => logoutResponse,
    nextLogoutStatus(status) {
      logoutStatus = status;
    },
    logoutRequestUrl,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}
