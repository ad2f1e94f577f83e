import { samlSloUrlOf, type SamlConnection } from '../../types.js';
import { BINDING } from './metadata.js';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const base64Of = (pem: string) => pem.replace(/-----[^-]+-----|\s/g, '');
const keyDescriptor = (use: 'signing' | 'encryption', pem: string, inner = '') =>
  `<md:KeyDescriptor use="${use}"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${base64Of(pem)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>${inner}</md:KeyDescriptor>`;
/** What decrypt.ts opens (RSA-OAEP key transport is implied by the key). */
const ENCRYPTION_METHODS = [
  'http://www.w3.org/2009/xmlenc11#aes256-gcm',
  'http://www.w3.org/2009/xmlenc11#aes128-gcm',
  'http://www.w3.org/2001/04/xmlenc#aes256-cbc',
  'http://www.w3.org/2001/04/xmlenc#aes128-cbc',
];

/**
 * Our SP metadata for the IdP administrator to import: entity id, ACS (HTTP-POST), single
 * logout (HTTP-Redirect), the signing certificate and, when the connection has one, the
 * encryption certificate (use="encryption").
 */
export function spMetadataXml(connection: SamlConnection): string {
  const { sp } = connection;
  const nameIdFormat =
    connection.attributes.subject === null ? '<md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>' : '';
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${esc(sp.entityId)}">` +
    `<md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol" AuthnRequestsSigned="true" WantAssertionsSigned="true">` +
    keyDescriptor('signing', sp.certificate) +
    (sp.encryption
      ? keyDescriptor(
          'encryption',
          sp.encryption.certificate,
          ENCRYPTION_METHODS.map((a) => `<md:EncryptionMethod Algorithm="${a}"/>`).join(''),
        )
      : '') +
    `<md:SingleLogoutService Binding="${BINDING.redirect}" Location="${esc(samlSloUrlOf(connection))}"/>` +
    nameIdFormat +
    `<md:AssertionConsumerService index="1" isDefault="true" Binding="${BINDING.post}" Location="${esc(sp.acsUrl)}"/>` +
    `</md:SPSSODescriptor></md:EntityDescriptor>`
  );
}
