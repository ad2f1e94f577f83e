import { children, descendants, parseXml, SAML_NS } from './xml.js';

export const BINDING = {
  redirect: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect',
  post: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST',
} as const;

export interface IdpSettings {
  entityId: string;
  ssoUrl: string;
  certificates: string[];
  sloUrl: string | null;
}

export const toPem = (base64: string): string =>
  `-----BEGIN CERTIFICATE-----\n${base64
    .replace(/\s+/g, '')
    .match(/.{1,64}/g)!
    .join('\n')}\n-----END CERTIFICATE-----`;

/** Reads an IdP's EntityDescriptor: entity id, SSO endpoint (Redirect, else POST), signing certificates, SLO endpoint. */
export function parseIdpMetadata(xml: string): IdpSettings {
  const root = parseXml(xml).documentElement;
  const entity = root.localName === 'EntityDescriptor' ? root : descendants(root, SAML_NS.metadata, 'EntityDescriptor')[0];
  if (!entity || entity.namespaceURI !== SAML_NS.metadata) throw new Error('no EntityDescriptor');
  const idp = children(entity, SAML_NS.metadata, 'IDPSSODescriptor')[0];
  if (!idp) throw new Error('no IDPSSODescriptor');
  const endpoint = (name: string) => {
    const all = children(idp, SAML_NS.metadata, name);
    const pick =
      all.find((e) => e.getAttribute('Binding') === BINDING.redirect) ?? all.find((e) => e.getAttribute('Binding') === BINDING.post);
    return pick?.getAttribute('Location') || null;
  };
  const certificates = children(idp, SAML_NS.metadata, 'KeyDescriptor')
    .filter((k) => (k.getAttribute('use') || 'signing') === 'signing')
    .flatMap((k) => descendants(k, SAML_NS.dsig, 'X509Certificate'))
    .map((c) => toPem(c.textContent ?? ''));
  const entityId = entity.getAttribute('entityID');
  const ssoUrl = endpoint('SingleSignOnService');
  if (!entityId) throw new Error('no entityID');
  if (!ssoUrl) throw new Error('no SingleSignOnService with the HTTP-Redirect or HTTP-POST binding');
  if (certificates.length === 0) throw new Error('no signing certificate');
  return { entityId, ssoUrl, certificates, sloUrl: endpoint('SingleLogoutService') };
}
