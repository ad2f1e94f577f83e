import { SAML } from '@node-saml/node-saml';
import type { SamlConnection } from '../../types.js';

/** Our SP metadata for the IdP administrator to import: entity id, ACS (HTTP-POST), signing certificate. */
export function spMetadataXml(connection: SamlConnection): string {
  const saml = new SAML({
    issuer: connection.sp.entityId,
    callbackUrl: connection.sp.acsUrl,
    idpCert: connection.idp.certificates,
    wantAssertionsSigned: true,
    identifierFormat: connection.attributes.subject === null ? 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent' : null,
  });
  return saml.generateServiceProviderMetadata(null, connection.sp.certificate);
}
