import Router from '@koa/router';
import type { Context } from 'koa';
import { html } from '../html.js';
import { ct } from '../i18n/console-messages.js';
import { CONSOLE_CSS, CONSOLE_JS } from './assets.js';
import { adminApiClient } from './admin-api.js';
import { consoleKit, type ConsoleContext, type ConsoleDeps } from './kit.js';
import { registerAccountPages } from './pages/accounts.js';
import { registerAuditPages } from './pages/audit.js';
import { registerClientPages } from './pages/clients.js';
import { registerConnectionPages } from './pages/connections.js';
import { registerGrantPages } from './pages/grants.js';
import { registerPolicyPages } from './pages/policy.js';
import { registerTenantPages, tenantPath } from './pages/tenants.js';
import { CONSOLE_PATH, LANGUAGE_COOKIE } from './settings.js';
import { safeReturnTo } from './sign-in.js';
import { consolePage } from './views/layout.js';

export type { ConsoleDeps } from './kit.js';

/**
 * The administration console (/console): server-rendered pages over the admin API, called with
 * the signed-in person's own token. It holds no rules of its own: what a person may see or change
 * is what the API lets their token do.
 */
export function consoleRoutes(deps: ConsoleDeps): Router {
  const router = new Router({ prefix: CONSOLE_PATH });
  const kit = consoleKit(deps);

  router.get('/assets/console.css', (ctx) => asset(ctx, 'text/css', CONSOLE_CSS));
  router.get('/assets/console.js', (ctx) => asset(ctx, 'text/javascript', CONSOLE_JS));
  router.use(kit.failures);

  router.get('/callback', async (ctx) => {
    const locale = kit.localeOf(ctx);
    const outcome = await deps.signIn.finish(ctx);
    if ('refused' in outcome) {
      return kit.errorPage(
        ctx,
        400,
        ct(locale, 'console.sign_in_refused'),
        outcome.refused,
        html`<p><a href="${CONSOLE_PATH}/">${ct(locale, 'console.sign_in_again')}</a></p>`,
      );
    }
    // What the person holds, shown beside their name; without any role there is nothing to show them.
    const me = await adminApiClient(deps.fetchApp, deps.issuer, ctx, outcome.session).call<{ roles: { role: string }[] }>('GET', '/me');
    if (!me.ok) {
      await deps.signIn.revoke(outcome.session.accessToken);
      return kit.errorPage(ctx, me.status, ct(locale, 'console.forbidden'), me.problem.detail);
    }
    const roles = [...new Set(me.data.roles.map((r) => r.role))];
    deps.cookies.writeSession(ctx, { ...outcome.session, roles });
    // A page, not a redirect: the way here may have begun on another site, and the browser would
    // withhold the new SameSite=Strict cookie on a redirect within that navigation.
    ctx.type = 'html';
    ctx.body = consolePage(
      { locale },
      ct(locale, 'console.signed_in_title'),
      html`<p><a href="${outcome.returnTo}">${ct(locale, 'console.continue')}</a></p>`,
      html`<meta http-equiv="refresh" content="0;url=${outcome.returnTo}">`,
    );
  });

  // A preference, not a change of anything: a plain link sets it, and it leads back to a console page only.
  router.get('/language', (ctx) => {
    const to = ctx.query.to === 'sv' ? 'sv' : 'en';
    ctx.cookies.set(LANGUAGE_COOKIE, to, {
      httpOnly: true,
      sameSite: 'lax',
      path: CONSOLE_PATH,
      maxAge: 365 * 24 * 3600 * 1000,
      signed: false,
    });
    ctx.status = 303;
    ctx.redirect(safeReturnTo(ctx.query.back));
  });

  // Someone who covers one tenant goes straight to it; everyone else starts at the list.
  router.get('/', kit.session, async (ctx: ConsoleContext) => {
    const me = await ctx.state.api.get<{ tenants: 'all' | string[] }>('/me');
    ctx.redirect(me.tenants !== 'all' && me.tenants.length === 1 ? tenantPath(me.tenants[0]!) : `${CONSOLE_PATH}/tenants`);
  });

  router.post('/sign-out', kit.session, kit.form, async (ctx: ConsoleContext) => {
    await deps.signIn.revoke(ctx.state.session.accessToken);
    deps.cookies.clearSession(ctx);
    ctx.status = 303;
    ctx.redirect(deps.signIn.endSessionPath(ctx.state.locale));
  });

  registerTenantPages(router, kit);
  registerPolicyPages(router, kit);
  registerAccountPages(router, kit);
  registerGrantPages(router, kit);
  registerAuditPages(router, kit);
  registerConnectionPages(router, kit, deps.issuer);
  registerClientPages(router, kit);

  router.all('/{*rest}', (ctx: Context) => kit.errorPage(ctx, 404, ct(kit.localeOf(ctx), 'console.not_found')));
  return router;
}

function asset(ctx: Context, type: string, body: string): void {
  ctx.type = type;
  ctx.set('Cache-Control', 'public, max-age=3600');
  ctx.body = body;
}
