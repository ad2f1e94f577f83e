import type { Context, Next } from 'koa';

const HSTS: [string, string] = ['Strict-Transport-Security', 'max-age=63072000; includeSubDomains'];

/**
 * Sets the headers every response carries (securityHeaderList, or apiSecurityHeaderList).
 * Pages get a strict Content-Security-Policy: no inline script (the only script of ours is the
 * self-hosted /assets/auto-submit.js of the SAML HTTP-POST hand-over), styles from self only,
 * forms posting back to self (plus, on interaction pages, the relying app's origin, since
 * browsers check form-action across the redirect chain). oidc-provider adds a hash to
 * script-src for its auto-submitting form_post page.
 */
export function securityHeaders(headers: [string, string][]) {
  // Straight on the response (koa's set() builds arrays per header), and next() handed on rather
  // than awaited: these steps run on every request, and need no promise of their own.
  return function setSecurityHeaders(ctx: Context, next: Next): Promise<void> {
    for (const [name, value] of headers) ctx.res.setHeader(name, value);
    return next();
  };
}

/** The headers of pages and of every other answer, as [name, value] pairs (also for answers written without koa). */
export function securityHeaderList(options: { https: boolean }): [string, string][] {
  return [
    ['X-Content-Type-Options', 'nosniff'],
    ['Referrer-Policy', 'no-referrer'],
    ['X-Frame-Options', 'DENY'],
    ['Cross-Origin-Opener-Policy', 'same-origin'],
    ['Cross-Origin-Resource-Policy', 'same-origin'],
    ['Permissions-Policy', 'camera=(), microphone=(), geolocation=(), payment=()'],
    ['Content-Security-Policy', PAGE_POLICY],
    ...(options.https ? [HSTS] : []),
  ];
}

/**
 * The headers of the JSON (or JWT) answers of the provider's endpoints for apps and APIs, which
 * never are pages: no document of theirs opens windows, embeds, refers or uses device features,
 * so only what applies to such an answer is sent (OWASP's REST set): no sniffing, no framing, no
 * content of any kind, and HSTS.
 */
export function apiSecurityHeaderList(options: { https: boolean }): [string, string][] {
  return [
    ['X-Content-Type-Options', 'nosniff'],
    ['X-Frame-Options', 'DENY'],
    ['Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'"],
    ...(options.https ? [HSTS] : []),
  ];
}

const PAGE_POLICY = contentSecurityPolicy([]);
const PROVIDER_POLICY = contentSecurityPolicy(null);

export function contentSecurityPolicy(extraFormActions: string[] | null): string {
  const directives = [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ];
  if (extraFormActions !== null) directives.push(["form-action 'self'", ...extraFormActions].join(' '));
  return directives.join('; ');
}

/** Allows forms on this page to lead (through redirects) to these origins as well as to self. */
export function allowFormActions(ctx: Context, origins: string[]): void {
  ctx.set('Content-Security-Policy', contentSecurityPolicy(origins));
}

/** For oidc-provider's routes: form_post answers post to the relying app. */
export function allowAnyFormAction(ctx: Context): void {
  ctx.res.setHeader('Content-Security-Policy', PROVIDER_POLICY);
}

export function noStore(ctx: Context): void {
  ctx.set('Cache-Control', 'no-store');
  ctx.set('Pragma', 'no-cache');
}
