import type { Context, Next } from 'koa';

/**
 * Headers every response carries. Pages get a strict Content-Security-Policy: no inline
 * script (the only script of ours is the self-hosted /assets/auto-submit.js of the SAML
 * HTTP-POST hand-over), styles from self only, forms posting back to self (plus, on interaction pages,
 * the relying app's origin, since browsers check form-action across the redirect chain).
 * oidc-provider adds a hash to script-src for its auto-submitting form_post page.
 */
export function securityHeaders(options: { https: boolean }) {
  return async function setSecurityHeaders(ctx: Context, next: Next): Promise<void> {
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Referrer-Policy', 'no-referrer');
    ctx.set('X-Frame-Options', 'DENY');
    ctx.set('Cross-Origin-Opener-Policy', 'same-origin');
    ctx.set('Cross-Origin-Resource-Policy', 'same-origin');
    ctx.set('Permissions-Policy', 'camera=(), microphone=(), geolocation=(), payment=()');
    ctx.set('Content-Security-Policy', PAGE_POLICY);
    if (options.https) ctx.set('Strict-Transport-Security', 'max-age=63072000; includeSubDomains');
    await next();
  };
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
  ctx.set('Content-Security-Policy', PROVIDER_POLICY);
}

export function noStore(ctx: Context): void {
  ctx.set('Cache-Control', 'no-store');
  ctx.set('Pragma', 'no-cache');
}
