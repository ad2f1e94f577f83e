import type { Context, Next } from 'koa';
import type Provider from 'oidc-provider';
import { negotiateLocale } from '../i18n/messages.js';
import { frontchannelLogoutPage } from '../views/pages.js';
import { contentSecurityPolicy } from '../web/security-headers.js';
import { reachesRoute, ROUTES } from './settings.js';

interface SessionSnapshot {
  accountId?: string;
  state?: { clientId?: string };
  authorizations?: Record<string, { sid?: string }>;
}

/**
 * OpenID Connect Front-Channel Logout 1.0, which oidc-provider 9 does not have: when the logout
 * confirmation ends the session, the page that follows loads each signed-in app's
 * frontchannel_logout_uri (with iss and sid when the app asked for them) in an iframe, then
 * goes where oidc-provider would have redirected.
 */
export function frontchannelLogout(provider: Provider, issuer: string) {
  includeSidForFrontchannel(provider);
  const confirmPath = `${ROUTES.end_session}/confirm`;

  async function iframeUrls(session: SessionSnapshot, clientIds: string[]): Promise<string[]> {
    const urls: string[] = [];
    for (const clientId of clientIds) {
      const client = await provider.Client.find(clientId).catch(() => undefined);
      const metadata = client?.metadata() as
        { frontchannel_logout_uri?: string; frontchannel_logout_session_required?: boolean } | undefined;
      if (!metadata?.frontchannel_logout_uri) continue;
      const url = new URL(metadata.frontchannel_logout_uri);
      const sid = session.authorizations?.[clientId]?.sid;
      if (metadata.frontchannel_logout_session_required && sid) {
        url.searchParams.set('iss', issuer);
        url.searchParams.set('sid', sid);
      }
      urls.push(url.href);
    }
    return urls;
  }

  return async function renderFrontchannelLogout(ctx: Context, next: Next): Promise<void> {
    if (ctx.method !== 'POST' || !reachesRoute(ctx.path, confirmPath)) {
      await next();
      return;
    }
    const before = (await provider.Session.get(ctx as never)) as unknown as SessionSnapshot;
    const signedIn = Object.keys(before.authorizations ?? {});
    await next();
    const after = (ctx as unknown as { oidc?: { session?: { destroyed?: boolean } } }).oidc?.session;
    if (ctx.status !== 303 || !before.accountId || signedIn.length === 0) return;
    // "Yes, sign me out" ends the session (every app); otherwise only the app that asked is signed out.
    const ended = after?.destroyed ? signedIn : signedIn.filter((id) => id === before.state?.clientId);
    const urls = await iframeUrls(before, ended);
    if (urls.length === 0) return;
    const location = ctx.response.get('Location');
    const origins = [...new Set(urls.map((url) => new URL(url).origin))];
    ctx.status = 200;
    ctx.remove('Location');
    ctx.type = 'html';
    ctx.set('Content-Security-Policy', `${contentSecurityPolicy([])}; frame-src ${origins.join(' ')}`);
    ctx.body = frontchannelLogoutPage(negotiateLocale(undefined, ctx.get('accept-language')), urls, location);
  };
}

/** An app that wants sid in its front-channel logout URL gets it in its ID tokens too, to compare (spec §3). */
function includeSidForFrontchannel(provider: Provider): void {
  type SidClient = { metadata(): Record<string, unknown> };
  const prototype = provider.Client.prototype as unknown as { includeSid: (this: SidClient) => boolean };
  const backchannelRule = prototype.includeSid;
  prototype.includeSid = function includeSid() {
    const metadata = this.metadata();
    return (
      backchannelRule.call(this) || (Boolean(metadata.frontchannel_logout_uri) && metadata.frontchannel_logout_session_required === true)
    );
  };
}
