import type { Context, Next } from 'koa';
import { html, type SafeHtml } from '../html.js';
import { negotiateLocale, type Locale } from '../i18n/messages.js';
import { ct, type ConsoleMessageId } from '../i18n/console-messages.js';
import { readForm, BodyError } from '../web/body.js';
import { noStore } from '../web/security-headers.js';
import { adminApiClient, ApiRefusal, SessionEnded, type Api, type ApiResult } from './admin-api.js';
import type { LoopbackFetch } from './in-process-fetch.js';
import type { ConsoleCookies, ConsoleSession } from './session.js';
import type { ConsoleSignIn } from './sign-in.js';
import { consolePage, type Chrome } from './views/layout.js';
import { emptyForm, withProblems, type FormView } from './views/form.js';
import { CONSOLE_PATH, LANGUAGE_COOKIE } from './settings.js';

export interface ConsoleDeps {
  issuer: string;
  fetchApp: LoopbackFetch;
  cookies: ConsoleCookies;
  signIn: ConsoleSignIn;
  maxBodyBytes: number;
}

export interface ConsoleState {
  locale: Locale;
  session: ConsoleSession;
  api: Api;
  csrf: string;
  form: Record<string, string>;
}

export type ConsoleContext = Context & { state: ConsoleState; params: Record<string, string> };

/** A refusal of the console's own (a bad CSRF token): shown as a page with this status. */
export class ConsolePageError extends Error {
  constructor(
    readonly status: number,
    readonly messageId: ConsoleMessageId,
  ) {
    super(messageId);
    this.name = 'ConsolePageError';
  }
}

/** Notices a page shows after a redirect (`?done=`): only these ids, never text from the URL. */
const DONE: Record<string, ConsoleMessageId> = {
  saved: 'console.saved',
  invited: 'accounts.invited',
  unlocked: 'accounts.unlocked',
  disabled: 'accounts.disabled',
  enabled: 'accounts.enabled',
  mfa_reset: 'accounts.mfa_reset',
  deletion_scheduled: 'tenants.deletion_scheduled',
  restored: 'tenants.restored',
  granted: 'grants.granted',
  revoked: 'grants.revoked',
  connection_created: 'connections.created',
};

export function consoleKit(deps: ConsoleDeps) {
  /** `?lang=` on this page, else the language the person chose in the console (a cookie), else the browser's. */
  const localeOf = (ctx: Context): Locale =>
    negotiateLocale(
      [ctx.query.lang, ctx.cookies.get(LANGUAGE_COOKIE)].filter((v): v is string => typeof v === 'string').join(' ') || undefined,
      ctx.get('accept-language'),
    );

  function errorPage(ctx: Context, status: number, message: string, detail?: string, action?: SafeHtml): void {
    const locale = localeOf(ctx);
    ctx.status = status;
    ctx.type = 'html';
    ctx.body = consolePage(
      { locale },
      ct(locale, 'console.error_title'),
      html`<p class="error">${message}</p>${detail ? html`<p class="detail" lang="en">${detail}</p>` : ''}${action ?? ''}`,
    );
  }

  /** Every failure below becomes a page in the person's language; nothing is cached. */
  async function failures(ctx: Context, next: Next): Promise<void> {
    noStore(ctx);
    try {
      await next();
    } catch (error) {
      const locale = localeOf(ctx);
      if (error instanceof SessionEnded) {
        deps.cookies.clearSession(ctx);
        if (ctx.method === 'GET') return deps.signIn.start(ctx, ctx.originalUrl, locale);
        return errorPage(
          ctx,
          401,
          ct(locale, 'console.session_ended'),
          undefined,
          html`<p><a href="${CONSOLE_PATH}/">${ct(locale, 'console.sign_in_again')}</a></p>`,
        );
      }
      if (error instanceof ApiRefusal) {
        const { status, detail } = error.problem;
        const message =
          status === 403
            ? ct(locale, 'console.forbidden')
            : status === 404
              ? ct(locale, 'console.not_found')
              : status === 409
                ? ct(locale, 'console.conflict')
                : ct(locale, 'console.failed');
        return errorPage(ctx, status >= 400 && status < 600 ? status : 502, message, detail);
      }
      if (error instanceof ConsolePageError) return errorPage(ctx, error.status, ct(locale, error.messageId));
      if (error instanceof BodyError) return errorPage(ctx, error.status, ct(locale, 'console.failed'), error.message);
      ctx.app.emit('error', error, ctx);
      errorPage(ctx, 500, ct(locale, 'console.failed'), 'server error');
    }
  }

  /** A signed-in person, or (pages) off to the sign-in and back here, or (posts) refused. */
  async function session(ctx: ConsoleContext, next: Next): Promise<void> {
    const locale = localeOf(ctx);
    const found = deps.cookies.readSession(ctx);
    if (!found) {
      if (ctx.method === 'GET') return deps.signIn.start(ctx, ctx.originalUrl, locale);
      throw new SessionEnded();
    }
    ctx.state.locale = locale;
    ctx.state.session = found;
    ctx.state.csrf = deps.cookies.csrfToken(found);
    ctx.state.api = adminApiClient(deps.fetchApp, deps.issuer, ctx, found);
    await next();
  }

  /**
   * Every post carries the session's CSRF token, and comes from this origin when the browser
   * says where it comes from: Sec-Fetch-Site, and Origin unless it is "null" (which our
   * Referrer-Policy: no-referrer makes it for our own forms). The session cookie is SameSite=Strict besides.
   */
  async function form(ctx: ConsoleContext, next: Next): Promise<void> {
    const origin = ctx.get('origin');
    const site = ctx.get('sec-fetch-site');
    if ((origin && origin !== 'null' && origin !== new URL(deps.issuer).origin) || (site && site !== 'same-origin'))
      throw new ConsolePageError(403, 'console.csrf');
    ctx.state.form = await readForm(ctx, deps.maxBodyBytes);
    if (!deps.cookies.csrfValid(ctx.state.session, ctx.state.form.csrf)) throw new ConsolePageError(403, 'console.csrf');
    await next();
  }

  function chrome(ctx: ConsoleContext, section?: Chrome['section']): Chrome {
    const { session } = ctx.state;
    const here = ctx.originalUrl;
    const who = [session.email ?? session.tenant, ...(session.roles ?? [])].filter(Boolean).join(' · ');
    return { locale: ctx.state.locale, csrf: ctx.state.csrf, who: who || undefined, section, here };
  }

  function render(ctx: ConsoleContext, title: string, body: SafeHtml, section?: Chrome['section'], status = 200): void {
    ctx.status = status;
    ctx.type = 'html';
    ctx.body = consolePage(chrome(ctx, section), title, body);
  }

  /** The notice for `?done=` on a page shown after a change. */
  function done(ctx: ConsoleContext): string | undefined {
    const id = typeof ctx.query.done === 'string' ? DONE[ctx.query.done] : undefined;
    return id ? ct(ctx.state.locale, id) : undefined;
  }

  function redirect(ctx: ConsoleContext, path: string, doneId?: keyof typeof DONE): void {
    ctx.status = 303;
    ctx.redirect(doneId ? `${path}${path.includes('?') ? '&' : '?'}done=${doneId}` : path);
  }

  /** A form view of what was posted, with the API's refusal spread over its fields. */
  function refusedForm<T>(ctx: ConsoleContext, values: Record<string, string>, result: ApiResult<T> & { ok: false }): FormView {
    if (result.status !== 400 && result.status !== 409) throw new ApiRefusal(result.problem);
    return withProblems(emptyForm(ctx.state.locale, ctx.state.csrf, values), result.problem.problems, result.problem.detail);
  }

  const t = (ctx: ConsoleContext, id: ConsoleMessageId, vars?: Record<string, string>) => ct(ctx.state.locale, id, vars);

  return { failures, session, form, render, done, redirect, refusedForm, errorPage, localeOf, t };
}

export type ConsoleKit = ReturnType<typeof consoleKit>;
