import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { inflateRawSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { SignedXml } from 'xml-crypto';
import { generateSpKey } from '../../src/federation/connectors/saml/sp-key.js';

/**
 * A real signing SAML IdP for tests: its SSO endpoint (HTTP-Redirect) reads our AuthnRequest
 * and answers with the HTTP-POST form a browser would submit to our ACS, the response signed
 * with xml-crypto. `next` changes the next response to exercise each refusal.
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
  /** The last form the IdP handed to the browser: its ACS URL and SAMLResponse. */
  lastPost(): { action: string; SAMLResponse: string } | null;
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

export async function startSamlIdp(): Promise<SamlIdp> {
  const own = await generateSpKey('test-idp');
  const rogue = await generateSpKey('rogue-idp');
  let user = { nameId: 'user-1', email: 'user@example.com', name: 'User' } as { nameId: string; email?: string; name?: string };
  let change: SamlResponseChange = {};
  let last: { action: string; SAMLResponse: string } | null = null;
  let spEntityId = '';
  let metadataBroken = false;

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/metadata') {
      res.statusCode = metadataBroken ? 500 : 200;
      res.end(metadataBroken ? 'down' : metadataXml());
      return;
    }
    if (url.pathname !== '/sso' || !url.searchParams.has('SAMLRequest')) {
      res.statusCode = 404;
      res.end();
      return;
    }
    const request = inflateRawSync(Buffer.from(url.searchParams.get('SAMLRequest') ?? '', 'base64')).toString('utf8');
    const requestId = /\sID="([^"]+)"/.exec(request)?.[1] ?? '';
    const acs = /AssertionConsumerServiceURL="([^"]+)"/.exec(request)?.[1] ?? '';
    spEntityId = /<(?:saml:)?Issuer[^>]*>([^<]+)</.exec(request)?.[1] ?? '';
    const body = respond(requestId, acs);
    change = {};
    last = { action: acs, SAMLResponse: body };
    res.setHeader('content-type', 'text/html');
    res.end(
      `<form method="post" action="${esc(acs)}"><input type="hidden" name="SAMLResponse" value="${esc(body)}"><button>Continue</button></form>`,
    );
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

  function respond(requestId: string, acs: string): string {
    const key = change.foreignKey ? rogue : own;
    const assertionId = `_a${randomBytes(12).toString('hex')}`;
    let signedAssertion = assertion(assertionId, requestId, acs, user.nameId);
    if (!change.unsigned && !change.signResponse)
      signedAssertion = sign(signedAssertion, key.privateKey, key.certificate, 'Assertion', !!change.sha1);
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
    return (
      `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="${entityId}">` +
      `<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>${certBase64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>` +
      `<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${base}/sso"/></md:IDPSSODescriptor></md:EntityDescriptor>`
    );
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
    lastPost: () => last,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}
