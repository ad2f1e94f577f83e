import { FederationRefusal } from '../../types.js';
import { children, descendants, parseXml, SAML_NS, type XmlDocument, type XmlElement } from './xml.js';

/**
 * Checks on the response before its signature is verified. Each can only refuse, never accept,
 * so reading unverified XML here is safe; it gives the audit trail a precise reason. An
 * EncryptedAssertion is opened with `decrypt` (our SP key) and checked like a plain one.
 */
export async function precheckResponse(
  xml: string,
  expect: {
    acsUrl: string;
    allowSha1: boolean;
    clockSkewMs: number;
    now: number;
    decrypt: ((encryptedXml: string) => Promise<string>) | null;
    requireEncrypted: boolean;
  },
): Promise<XmlDocument> {
  let doc: XmlDocument;
  try {
    doc = parseXml(xml);
  } catch (error) {
    throw new FederationRefusal('malformed_saml_response', (error as Error).message);
  }
  const root = doc.documentElement;
  if (root.namespaceURI !== SAML_NS.protocol || root.localName !== 'Response')
    throw new FederationRefusal('malformed_saml_response', 'not a samlp:Response');
  const destination = root.getAttribute('Destination');
  if (destination && destination !== expect.acsUrl) throw new FederationRefusal('wrong_destination', `Destination ${destination}`);
  const plain = children(root, SAML_NS.assertion, 'Assertion');
  const encrypted = children(root, SAML_NS.assertion, 'EncryptedAssertion');
  if (
    descendants(doc, SAML_NS.assertion, 'Assertion').length !== plain.length ||
    descendants(doc, SAML_NS.assertion, 'EncryptedAssertion').length !== encrypted.length ||
    plain.length + encrypted.length > 1 ||
    descendants(doc, SAML_NS.protocol, 'Response').length > 1
  ) {
    // One assertion, directly in the one response: anything else is how signature wrapping hides a forged copy.
    throw new FederationRefusal('signature_wrapping', 'more than one assertion or response');
  }
  const docs: (XmlDocument | XmlElement)[] = [doc];
  let assertion = plain[0];
  if (encrypted[0]) {
    if (!expect.decrypt) throw new FederationRefusal('encrypted_assertion_unexpected', 'this connection has no decryption key');
    const opened = await openEncrypted(encrypted[0], expect.decrypt);
    docs.push(opened);
    assertion = opened.documentElement;
  } else if (assertion && expect.requireEncrypted) {
    throw new FederationRefusal('unencrypted_assertion', 'the connection requires encrypted assertions');
  }
  const signatures = docs.flatMap((d) => descendants(d, SAML_NS.dsig, 'Signature'));
  if (signatures.length === 0) throw new FederationRefusal('unsigned_response');
  // Only the signatures' algorithms: RSA-OAEP key transport names SHA-1 too (as its mask digest), which is sound.
  const weak = signatures
    .flatMap((sig) => [...descendants(sig, SAML_NS.dsig, 'SignatureMethod'), ...descendants(sig, SAML_NS.dsig, 'DigestMethod')])
    .map((e) => e.getAttribute('Algorithm') ?? '')
    .find((alg) => /sha1$/i.test(alg));
  if (weak && !expect.allowSha1) throw new FederationRefusal('sha1_signature', weak);
  if (!assertion) throw new FederationRefusal('no_assertion');
  const conditions = children(assertion, SAML_NS.assertion, 'Conditions')[0];
  const notBefore = Date.parse(conditions?.getAttribute('NotBefore') ?? '');
  const notOnOrAfter = Date.parse(conditions?.getAttribute('NotOnOrAfter') ?? '');
  if (!Number.isNaN(notBefore) && expect.now + expect.clockSkewMs < notBefore) throw new FederationRefusal('assertion_not_yet_valid');
  if (!Number.isNaN(notOnOrAfter) && expect.now - expect.clockSkewMs >= notOnOrAfter) throw new FederationRefusal('assertion_expired');
  return doc;
}

/** The one Assertion inside an EncryptedAssertion, or a refusal: not ours to open, or more than one inside. */
async function openEncrypted(encrypted: XmlElement, decrypt: (encryptedXml: string) => Promise<string>): Promise<XmlDocument> {
  let opened: XmlDocument;
  try {
    opened = parseXml(await decrypt(encrypted.toString()));
  } catch (error) {
    throw new FederationRefusal('assertion_decryption_failed', (error as Error).message);
  }
  const inner = opened.documentElement;
  if (inner.namespaceURI !== SAML_NS.assertion || inner.localName !== 'Assertion')
    throw new FederationRefusal('malformed_saml_response', 'the EncryptedAssertion holds no Assertion');
  if (descendants(opened, SAML_NS.assertion, 'Assertion').length > 1 || descendants(opened, SAML_NS.assertion, 'EncryptedAssertion').length)
    throw new FederationRefusal('signature_wrapping', 'an assertion inside the encrypted assertion');
  return opened;
}

/** Checks on the verified assertion: who it was for, and its id and lifetime for the replay cache. */
export function checkVerifiedAssertion(assertionXml: string, acsUrl: string): { id: string; notOnOrAfter: number | null } {
  const assertion = parseXml(assertionXml).documentElement;
  const recipients = descendants(assertion, SAML_NS.assertion, 'SubjectConfirmationData').map((d) => d.getAttribute('Recipient'));
  if (recipients.length === 0 || recipients.some((r) => r !== acsUrl))
    throw new FederationRefusal('wrong_recipient', `Recipient ${recipients.join(', ')}`);
  const id = assertion.getAttribute('ID');
  if (!id) throw new FederationRefusal('malformed_saml_response', 'the assertion has no ID');
  const conditions = children(assertion, SAML_NS.assertion, 'Conditions')[0];
  const notOnOrAfter = Date.parse(conditions?.getAttribute('NotOnOrAfter') ?? '');
  return { id, notOnOrAfter: Number.isNaN(notOnOrAfter) ? null : notOnOrAfter };
}

/** The request id a response answers (unverified: only used to find the sign-in it claims to belong to). */
export function inResponseToOf(samlResponse: string): string | null {
  try {
    const root = parseXml(Buffer.from(samlResponse, 'base64').toString('utf8')).documentElement;
    return root.localName === 'Response' ? root.getAttribute('InResponseTo') || null : null;
  } catch {
    return null;
  }
}
