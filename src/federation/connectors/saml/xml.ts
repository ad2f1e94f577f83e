import { createRequire } from 'node:module';

/** The part of the DOM these checks read (xmldom's own types would pull the browser's DOM into the whole program). */
export interface XmlElement {
  readonly nodeType: number;
  readonly localName: string;
  readonly namespaceURI: string | null;
  readonly textContent: string | null;
  readonly childNodes: ArrayLike<XmlElement>;
  getAttribute(name: string): string | null;
  getElementsByTagNameNS(ns: string, name: string): ArrayLike<XmlElement>;
  /** The element serialized as XML. */
  toString(): string;
}
export interface XmlDocument {
  readonly documentElement: XmlElement;
  getElementsByTagNameNS(ns: string, name: string): ArrayLike<XmlElement>;
}
type Parser = new (options: unknown) => { parseFromString(xml: string, type: string): XmlDocument | undefined };
const load = createRequire(import.meta.url);
/** Loaded with the first SAML message or metadata read: a node without SAML does not hold the XML stack. */
let DOMParser: Parser | undefined;

export const SAML_NS = {
  metadata: 'urn:oasis:names:tc:SAML:2.0:metadata',
  protocol: 'urn:oasis:names:tc:SAML:2.0:protocol',
  assertion: 'urn:oasis:names:tc:SAML:2.0:assertion',
  dsig: 'http://www.w3.org/2000/09/xmldsig#',
  xmlenc: 'http://www.w3.org/2001/04/xmlenc#',
} as const;

/** Parses XML, refusing a DOCTYPE (no entity expansion) and anything malformed. */
export function parseXml(xml: string): XmlDocument {
  if (/<!DOCTYPE/i.test(xml)) throw new Error('a DOCTYPE is not allowed');
  const errors: string[] = [];
  DOMParser ??= (load('@xmldom/xmldom') as { DOMParser: Parser }).DOMParser;
  const doc = new DOMParser({
    onError: (level: string, message: string) => {
      if (level !== 'warning') errors.push(message);
    },
  }).parseFromString(xml, 'text/xml');
  if (errors.length || !doc?.documentElement) throw new Error(`not well-formed XML: ${errors[0] ?? 'empty'}`);
  return doc;
}

/** Child elements of `parent` with this namespace and local name. */
export function children(parent: XmlElement, ns: string, name: string): XmlElement[] {
  return Array.from(parent.childNodes).filter((n) => n.nodeType === 1 && n.namespaceURI === ns && n.localName === name);
}

/** Every descendant element with this namespace and local name. */
export function descendants(parent: XmlElement | XmlDocument, ns: string, name: string): XmlElement[] {
  return Array.from(parent.getElementsByTagNameNS(ns, name));
}
