import type { SamlBinding } from '../../types.js';
import { children, descendants, parseXml, SAML_NS, type XmlElement } from './xml.js';

export const BINDING = {
  redirect: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect',
  post: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST',
} as const;

export interface IdpSettings {
  entityId: string;
  ssoUrl: string;
  ssoBinding: SamlBinding;
  certificates: string[];
  sloUrl: string | null;
}

/** What the document says about its own lifetime: validUntil (absolute) and cacheDuration (ms), each if given. */
export interface MetadataLifetime {
  validUntil: number | null;
  cacheDurationMs: number | null;
}

export const toPem = (base64: string): string =>
  `-----BEGIN CERTIFICATE-----\n${base64
    .replace(/\s+/g, '')
    .match(/.{1,64}/g)!
    .join('\n')}\n-----END CERTIFICATE-----`;

/** An xs:duration such as PT6H or P1DT12H (years and months counted as 365 and 30 days); null if it is not one. */
export function parseDuration(value: string): number | null {
  const match = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(value.trim());
  if (!match || value.trim() === 'P' || value.trim().endsWith('T')) return null;
  const [y, mo, d, h, mi, s] = match.slice(1).map((part) => Number(part ?? 0)) as [number, number, number, number, number, number];
  return ((((y * 365 + mo * 30 + d) * 24 + h) * 60 + mi) * 60 + s) * 1000;
}

function lifetimeOf(elements: XmlElement[]): MetadataLifetime {
  const validUntils = elements.map((e) => e.getAttribute('validUntil')).filter((v): v is string => !!v);
  const durations = elements.map((e) => e.getAttribute('cacheDuration')).filter((v): v is string => !!v);
  const until = validUntils.map((v) => Date.parse(v));
  const cache = durations.map(parseDuration);
  if (until.some(Number.isNaN)) throw new Error('validUntil is not a date');
  if (cache.some((c) => c === null)) throw new Error('cacheDuration is not a duration');
  return {
    validUntil: until.length ? Math.min(...until) : null,
    cacheDurationMs: cache.length ? Math.min(...(cache as number[])) : null,
  };
}

/**
 * Reads an IdP's EntityDescriptor: entity id, SSO endpoint (HTTP-Redirect, else HTTP-POST),
 * signing certificates, SLO endpoint (HTTP-Redirect), and the document's validUntil/cacheDuration
 * (the earliest of the root's and the entity's). Metadata whose validUntil has passed is refused.
 * `binding` is the SSO binding wanted: used when offered (else the other one, unless required).
 */
export function parseIdpMetadata(
  xml: string,
  options: { now?: number; binding?: SamlBinding; bindingRequired?: boolean } = {},
): IdpSettings & { lifetime: MetadataLifetime } {
  const now = options.now ?? Date.now();
  const root = parseXml(xml).documentElement;
  const entity = root.localName === 'EntityDescriptor' ? root : descendants(root, SAML_NS.metadata, 'EntityDescriptor')[0];
  if (!entity || entity.namespaceURI !== SAML_NS.metadata) throw new Error('no EntityDescriptor');
  const lifetime = lifetimeOf(entity === root ? [root] : [root, entity]);
  if (lifetime.validUntil !== null && lifetime.validUntil <= now)
    throw new Error(`the metadata expired (validUntil ${new Date(lifetime.validUntil).toISOString()})`);
  const idp = children(entity, SAML_NS.metadata, 'IDPSSODescriptor')[0];
  if (!idp) throw new Error('no IDPSSODescriptor');
  const endpoint = (name: string, binding: string) =>
    children(idp, SAML_NS.metadata, name)
      .find((e) => e.getAttribute('Binding') === binding)
      ?.getAttribute('Location') || null;
  const certificates = children(idp, SAML_NS.metadata, 'KeyDescriptor')
    .filter((k) => (k.getAttribute('use') || 'signing') === 'signing')
    .flatMap((k) => descendants(k, SAML_NS.dsig, 'X509Certificate'))
    .map((c) => toPem(c.textContent ?? ''));
  const entityId = entity.getAttribute('entityID');
  const redirectSso = endpoint('SingleSignOnService', BINDING.redirect);
  const postSso = endpoint('SingleSignOnService', BINDING.post);
  if (!entityId) throw new Error('no entityID');
  if (!redirectSso && !postSso) throw new Error('no SingleSignOnService with the HTTP-Redirect or HTTP-POST binding');
  if (certificates.length === 0) throw new Error('no signing certificate');
  const wanted = options.binding === 'post' ? postSso : options.binding === 'redirect' ? redirectSso : null;
  if (options.binding && options.bindingRequired && !wanted)
    throw new Error(`no SingleSignOnService with the HTTP-${options.binding === 'post' ? 'POST' : 'Redirect'} binding`);
  const ssoBinding: SamlBinding = wanted ? options.binding! : redirectSso ? 'redirect' : 'post';
  return {
    entityId,
    ssoUrl: (ssoBinding === 'redirect' ? redirectSso : postSso)!,
    ssoBinding,
    certificates,
    sloUrl: endpoint('SingleLogoutService', BINDING.redirect),
    lifetime,
  };
}
