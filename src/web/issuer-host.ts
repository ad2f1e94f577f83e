import type { IncomingMessage } from 'node:http';
import type { Context, Next } from 'koa';
import { negotiateLocale, t } from '../i18n/messages.js';

const HOST = /^(?<name>\[[0-9a-f:.]+\]|[a-z0-9_-]+(?:\.[a-z0-9_-]+)*\.?)(?::(?<port>\d{1,5}))?$/i;
const DEFAULT_PORTS: Record<string, string> = { 'http:': '80', 'https:': '443' };
const ABSOLUTE_TARGET = /^https?:\/\/([^/?#]*)/i;

/**
 * A `host[:port]` as it is compared: lower case, the port dropped when it is the default of
 * `protocol` (`http:` or `https:`). Null when it is not a host name, IP literal or port.
 * A trailing dot is kept, so `example.com.` is a name of its own (browsers keep separate
 * cookies for it), never the same as `example.com`.
 */
export function hostKey(host: string, protocol: string): string | null {
  const match = HOST.exec(host);
  if (!match?.groups) return null;
  const name = match.groups.name!.toLowerCase();
  const { port } = match.groups;
  if (port === undefined) return name;
  const number = Number(port);
  if (number > 65535) return null;
  return String(number) === DEFAULT_PORTS[protocol] ? name : `${name}:${number}`;
}

export interface IssuerHostOptions {
  issuer: string;
  /** Further names accepted, as hostKey gives them for the issuer's protocol. */
  allowedHosts: readonly string[];
}

/** Whether a Host header names the issuer or an allowed name. */
export function acceptedHost(options: IssuerHostOptions): (host: string) => boolean {
  const issuer = new URL(options.issuer);
  const accepted = new Set([hostKey(issuer.host, issuer.protocol), ...options.allowedHosts]);
  // Answers per header value as sent, remembered for the few values real traffic uses: hostKey is a regex per request.
  const seen = new Map<string, boolean>();
  return (host) => {
    let verdict = seen.get(host);
    if (verdict === undefined) {
      verdict = accepted.has(hostKey(host, issuer.protocol));
      if (seen.size >= SEEN_HOSTS_MAX) seen.clear();
      seen.set(host, verdict);
    }
    return verdict;
  };
}

/** Distinct Host values remembered; a client sending ever new ones only makes the lookup start over. */
const SEEN_HOSTS_MAX = 64;

/**
 * Refuses (421) a request addressed to a host that is neither the issuer's nor an allowed
 * name, then makes the request look addressed to the issuer, because koa and oidc-provider
 * build every absolute URL (discovery, redirects, form actions) from the request's host and
 * protocol. Whether the request came over TLS (secure cookies) stays what it really was.
 * The host checked is koa's (X-Forwarded-Host only when the app trusts its proxy); the
 * Forwarded header is never read.
 */
export function issuerHost(options: IssuerHostOptions, acceptable = acceptedHost(options)) {
  const pin = issuerPin(options.issuer);

  return function pinToIssuer(ctx: Context, next: Next): Promise<void> {
    // An absolute-form target (`GET http://host/path`) names the host itself (RFC 9112 3.2.2),
    // and koa then takes the whole URL as ctx.href.
    const absolute = ABSOLUTE_TARGET.exec(ctx.url);
    if (!acceptable(ctx.host) || (absolute && !acceptable(absolute[1]!))) {
      misdirected(ctx);
      return Promise.resolve();
    }
    if (absolute) {
      const target = ctx.url.slice(absolute[0].length);
      ctx.url = target.startsWith('/') ? target : `/${target}`;
      ctx.originalUrl = ctx.request.originalUrl = ctx.url;
    }
    pinnable(Object.getPrototypeOf(ctx.request) as object);
    pinRequest(ctx.req, pin);
    return next();
  };
}

const PINNED = Symbol('pinned to the issuer');
type PinnedRequest = IncomingMessage & { [PINNED]?: string };
const pinnablePrototypes = new WeakSet<object>();

/**
 * Makes a request look addressed to the issuer (the Host header, no X-Forwarded-Host) and its
 * koa ctx.protocol the issuer's scheme (see pinnable), once its host was accepted.
 */
export function pinRequest(req: IncomingMessage, pin: IssuerPin): void {
  req.headers.host = pin.host;
  if (req.headers['x-forwarded-host'] !== undefined) delete req.headers['x-forwarded-host'];
  (req as PinnedRequest)[PINNED] = pin.scheme;
}

/** The issuer's host and scheme, as pinRequest gives them to a request. */
export interface IssuerPin {
  host: string;
  scheme: string;
}

export function issuerPin(issuer: string): IssuerPin {
  const url = new URL(issuer);
  return { host: url.host, scheme: url.protocol.slice(0, -1) };
}

/**
 * Koa's request getters, on an app's request prototype (once): ctx.protocol answers the scheme a
 * pinned request was given, and ctx.secure what the request really came over (so secure cookies
 * follow the real connection). Replaced on the prototype, reading a mark on node's request, rather
 * than defined on every request object (which turns it into a slow dictionary object).
 */
export function pinnable(requestPrototype: object): void {
  if (pinnablePrototypes.has(requestPrototype)) return;
  let owner: object | null = requestPrototype;
  let original: PropertyDescriptor | undefined;
  while (owner && !(original = Object.getOwnPropertyDescriptor(owner, 'protocol'))) owner = Object.getPrototypeOf(owner) as object | null;
  // The getter is only ever called with an explicit receiver (call below).
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const realProtocol = original!.get as (this: unknown) => string;
  Object.defineProperty(requestPrototype, 'protocol', {
    configurable: true,
    get(this: { req: PinnedRequest }) {
      return this.req[PINNED] ?? realProtocol.call(this);
    },
  });
  Object.defineProperty(requestPrototype, 'secure', {
    configurable: true,
    get(this: unknown) {
      return realProtocol.call(this) === 'https';
    },
  });
  pinnablePrototypes.add(requestPrototype);
}

function misdirected(ctx: Context): void {
  ctx.status = 421;
  ctx.set('Cache-Control', 'no-store');
  if (ctx.path === '/admin' || ctx.path.startsWith('/admin/')) {
    ctx.type = 'application/problem+json';
    ctx.body = JSON.stringify({
      type: 'urn:idp:problem:misdirected_request',
      title: 'Misdirected Request',
      status: 421,
      detail: t('en', 'error.misdirected'),
    });
    return;
  }
  const uiLocales = ctx.query.ui_locales;
  const locale = negotiateLocale(typeof uiLocales === 'string' ? uiLocales : undefined, ctx.get('accept-language'));
  ctx.type = 'text/plain';
  ctx.set('Content-Language', locale);
  ctx.body = `${t(locale, 'error.misdirected')}\n`;
}
