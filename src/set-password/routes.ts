import { createHmac, randomBytes } from 'node:crypto';
import { secretsEqual } from '../crypto/equal.js';
import Router from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { Services } from '../services.js';
import type { OidcPayloadRepository } from '../oidc/repository.js';
import { PasswordPolicyError } from '../accounts/password-setter.js';
import { negotiateLocale, type Locale } from '../i18n/messages.js';
import { PageError, renderPageFailures } from '../web/page-error.js';
import { INTERACTION_PATH } from '../oidc/settings.js';
import { PROFILE_PATH } from '../profile/session.js';
import { setPasswordPage } from '../views/pages.js';
import { readForm } from '../web/body.js';
import { requestOrigin } from '../web/origin.js';
import { LinkProblem, SET_PASSWORD_PATH } from '../links/account-links.js';
import { hashToken } from '../links/link-tokens.js';
import { grantLinkSignIn } from './link-sign-in.js';

export interface LinkRouteDeps {
  provider: Provider;
  services: Services;
  payloads: OidcPayloadRepository;
  csrfSecret: string;
  maxBodyBytes: number;
}

const CSRF_COOKIE = 'idp_link_csrf';

/**
 * The page a registration or reset link opens. Its form is bound to this browser (a cookie
 * nonce under the CSRF token), so a link cannot be completed from another site's form.
 */
export function linkRoutes(deps: LinkRouteDeps): Router {
  const { services } = deps;
  const router = new Router();

  const csrfFor = (nonce: string, token: string) =>
    createHmac('sha256', deps.csrfSecret)
      .update(`link-csrf:${nonce}:${hashToken(token)}`)
      .digest('base64url');

  function browserNonce(ctx: Context): string {
    const existing = ctx.cookies.get(CSRF_COOKIE, { signed: true });
    if (existing) return existing;
    const nonce = randomBytes(24).toString('base64url');
    ctx.cookies.set(CSRF_COOKIE, nonce, { httpOnly: true, sameSite: 'strict', signed: true, path: SET_PASSWORD_PATH });
    return nonce;
  }

  function csrfValid(ctx: Context, token: string, presented: string | undefined): boolean {
    const nonce = ctx.cookies.get(CSRF_COOKIE, { signed: true });
    return nonce !== undefined && secretsEqual(csrfFor(nonce, token), presented);
  }

  /** A link that cannot be used gets one page whatever the reason; the reason goes to the audit trail. */
  const renderFailures = renderPageFailures(async (error, ctx) => {
    if (!(error instanceof LinkProblem)) return undefined;
    await services.audit.record({
      actor: { type: 'anonymous' },
      action: 'account.password_set',
      outcome: 'failure',
      reason: error.problem,
      origin: requestOrigin(ctx),
    });
    return new PageError(400, 'link.invalid', `link_${error.problem}`);
  });

  const localeFor = (ctx: Context, account: { locale: Locale | null }, tenant: { locale: Locale | null }) =>
    account.locale ?? tenant.locale ?? negotiateLocale(undefined, ctx.get('accept-language'));

  async function show(ctx: Context): Promise<void> {
    const token = String(ctx.query.token ?? '');
    const { record, account, tenant } = await services.links.inspect(token);
    ctx.type = 'html';
    ctx.body = setPasswordPage(localeFor(ctx, account, tenant), {
      kind: record.kind,
      token,
      csrf: csrfFor(browserNonce(ctx), token),
      email: account.email ?? '',
      tenantName: tenant.name,
    });
  }

  async function submit(ctx: Context): Promise<void> {
    const form = await readForm(ctx, deps.maxBodyBytes);
    const token = form.token ?? '';
    if (!csrfValid(ctx, token, form.csrf)) throw new PageError(403, 'error.csrf', 'csrf_token_invalid');
    const { record, account, tenant } = await services.links.inspect(token);
    const locale = localeFor(ctx, account, tenant);
    try {
      await services.links.complete(token, form.newPassword ?? '', locale, requestOrigin(ctx));
    } catch (error) {
      if (!(error instanceof PasswordPolicyError)) throw error;
      ctx.status = 400;
      ctx.type = 'html';
      ctx.body = setPasswordPage(locale, {
        kind: record.kind,
        token,
        csrf: form.csrf!,
        email: account.email ?? '',
        tenantName: tenant.name,
        violations: error.violations,
      });
      return;
    }
    await grantLinkSignIn(ctx, deps.payloads, account.id);
    const resumable = record.returnTo && (await deps.provider.Interaction.find(record.returnTo));
    ctx.status = 303;
    ctx.redirect(resumable ? `${INTERACTION_PATH}/${record.returnTo}` : PROFILE_PATH);
  }

  router.get(SET_PASSWORD_PATH, renderFailures, show);
  router.post(SET_PASSWORD_PATH, renderFailures, submit);
  return router;
}
