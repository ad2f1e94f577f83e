import Router from '@koa/router';
import type { Context, Next } from 'koa';
import type Provider from 'oidc-provider';
import type { Services } from '../services.js';
import type { Account } from '../accounts/types.js';
import { PasswordPolicyError } from '../accounts/password-setter.js';
import { ANY_AUDIENCE, mayDisableSecondFactor, mayManageSecondFactor } from '../accounts/sign-in-eligibility.js';
import { negotiateLocale, type Locale } from '../i18n/messages.js';
import type { Tenant } from '../tenants/types.js';
import type { OidcPayloadRepository } from '../oidc/repository.js';
import { profilePage, type ProfileNotice } from '../views/profile-pages.js';
import { profileLists, revokeApp } from './apps-and-sessions.js';
import { enrolmentPage, recoveryCodesPage, type FormContext } from '../views/pages.js';
import { readForm } from '../web/body.js';
import { requestOrigin } from '../web/origin.js';
import { PageError, renderPageFailures } from '../web/page-error.js';
import { ACR_MFA } from '../oidc/settings.js';
import { FLOW_STATE_TTL_MS } from '../config/defaults.js';
import { personalData } from '../operations/personal-data.js';
import { PROFILE_CLIENT_ID, PROFILE_PATH, csrfValid, providerSession, sessionCsrf, startSignIn, takeSignInState } from './session.js';

export interface AccountDeps {
  issuer: string;
  provider: Provider;
  services: Services;
  payloads: OidcPayloadRepository;
  csrfSecret: string;
  maxBodyBytes: number;
}

interface AccountState {
  account: Account;
  tenant: Tenant;
  sessionUid: string;
  sessionId: string;
  locale: Locale;
  csrf: string;
  form: Record<string, string>;
}

type AccountContext = Context & { state: AccountState };

const ENROLMENT = 'TotpEnrolment';

/** "My profile": the signed-in person's own account, behind the same hosted sign-in. */
export function profileRoutes(deps: AccountDeps): Router {
  const { services } = deps;
  const router = new Router({ prefix: PROFILE_PATH });

  const renderFailures = renderPageFailures();

  /** No usable session: off to the hosted sign-in (pages) or refused (form posts). */
  async function requireSession(ctx: AccountContext, next: Next): Promise<void> {
    const session = await providerSession(deps.provider, ctx);
    const eligibility = session ? await services.eligibility.check(session.accountId!, ANY_AUDIENCE, 'session') : null;
    if (!session || !eligibility?.ok || !mayManageSecondFactor(eligibility.account, session.acr === ACR_MFA)) {
      if (ctx.method === 'GET') return startSignIn(ctx, deps.issuer);
      throw new PageError(401, 'error.session_expired', 'no_session');
    }
    const { account, tenant } = eligibility;
    ctx.state.account = account;
    ctx.state.tenant = tenant;
    ctx.state.sessionUid = session.uid;
    ctx.state.sessionId = session.jti;
    ctx.state.locale = negotiateLocale(account.locale ?? undefined, ctx.get('accept-language'));
    ctx.state.csrf = sessionCsrf(deps.csrfSecret, session.uid);
    await next();
  }

  async function parseForm(ctx: AccountContext, next: Next): Promise<void> {
    ctx.state.form = await readForm(ctx, deps.maxBodyBytes);
    if (!csrfValid(deps.csrfSecret, ctx.state.sessionUid, ctx.state.form.csrf))
      throw new PageError(403, 'error.csrf', 'csrf_token_invalid');
    await next();
  }

  const formContext = (ctx: AccountContext): FormContext => ({
    locale: ctx.state.locale,
    action: PROFILE_PATH,
    csrf: ctx.state.csrf,
    clientName: '',
  });

  async function render(ctx: AccountContext, notice: ProfileNotice = {}, status = 200): Promise<void> {
    const { account, tenant } = ctx.state;
    const lists = await profileLists(deps.payloads, services, account.id, ctx.state.sessionUid, ctx.state.locale);
    ctx.status = status;
    ctx.type = 'html';
    ctx.body = profilePage(
      ctx.state.locale,
      ctx.state.csrf,
      {
        name: account.name,
        email: account.email,
        tenantName: tenant.name,
        mfaEnabled: account.totp !== null,
        mfaRequired: !mayDisableSecondFactor(tenant),
        recoveryCodesLeft: account.recoveryCodeHashes.length,
      },
      notice,
      lists,
    );
  }

  const audit = (ctx: AccountContext, action: string, details?: Record<string, unknown>) =>
    services.audit.record({
      tenantId: ctx.state.account.tenantId,
      actor: { type: 'user', id: ctx.state.account.id },
      action,
      target: { type: 'account', id: ctx.state.account.id },
      origin: requestOrigin(ctx),
      details: { via: 'profile', ...details },
    });

  /** Sensitive changes ask for the password again; a wrong one counts toward the lockout. */
  async function confirmPassword(ctx: AccountContext): Promise<boolean> {
    const check = await services.accounts.confirmPassword(ctx.state.account, ctx.state.form.password ?? '');
    if (check.ok) return true;
    await services.audit.record({
      tenantId: check.account.tenantId,
      actor: { type: 'user', id: check.account.id },
      action: 'account.password_confirm',
      outcome: 'failure',
      reason: 'wrong_password',
      target: { type: 'account', id: check.account.id },
      origin: requestOrigin(ctx),
    });
    if (check.lockedNow) await services.lockNotifier.accountLocked(check.account, ctx.state.locale, requestOrigin(ctx));
    await render(ctx, { error: 'account.wrong_password' }, 401);
    return false;
  }

  async function show(ctx: AccountContext): Promise<void> {
    await render(ctx);
  }

  async function callback(ctx: Context): Promise<void> {
    const state = takeSignInState(ctx);
    if (!state || state !== ctx.query.state || ctx.query.error)
      throw new PageError(400, 'error.session_expired', String(ctx.query.error ?? 'state_mismatch'));
    ctx.redirect(PROFILE_PATH);
  }

  async function changePassword(ctx: AccountContext): Promise<void> {
    if (!(await confirmPassword(ctx))) return;
    const { account } = ctx.state;
    try {
      ctx.state.account = (await services.accounts.setPassword(account.tenantId, account.id, ctx.state.form.newPassword ?? '')).after;
    } catch (error) {
      if (!(error instanceof PasswordPolicyError)) throw error;
      return render(ctx, { violations: error.violations }, 400);
    }
    // Whoever may have known the old password is signed out everywhere else.
    await services.accounts.endOtherSessions(account.id, ctx.state.sessionId);
    await audit(ctx, 'account.password_change');
    await render(ctx, { message: 'account.password_changed' });
  }

  async function startEnrolment(ctx: AccountContext): Promise<void> {
    const { account, tenant, sessionUid } = ctx.state;
    if (account.totp) return render(ctx, { message: 'account.mfa_enabled' });
    const enrolment = await services.mfa.beginEnrolment(account, tenant.name);
    await deps.payloads.upsert(
      ENROLMENT,
      sessionUid,
      { accountId: account.id, sealedSecret: enrolment.sealedSecret },
      Date.now() + FLOW_STATE_TTL_MS.pendingEnrolment,
    );
    ctx.type = 'html';
    ctx.body = enrolmentPage(formContext(ctx), enrolment, { action: `${PROFILE_PATH}/2fa/confirm`, required: false });
  }

  async function confirmEnrolment(ctx: AccountContext): Promise<void> {
    const { account, tenant, sessionUid } = ctx.state;
    const pending = (await deps.payloads.find(ENROLMENT, sessionUid)) as { accountId?: string; sealedSecret?: string } | undefined;
    if (!pending?.sealedSecret || pending.accountId !== account.id)
      throw new PageError(400, 'error.session_expired', 'no_pending_enrolment');
    const result = await services.mfa.confirmEnrolment(account.id, pending.sealedSecret, ctx.state.form.code ?? '');
    if (!result.ok) {
      const enrolment = await services.mfa.describeEnrolment(account, pending.sealedSecret, tenant.name);
      ctx.status = 400;
      ctx.type = 'html';
      ctx.body = enrolmentPage(formContext(ctx), enrolment, {
        action: `${PROFILE_PATH}/2fa/confirm`,
        required: false,
        error: 'mfa.invalid_code',
      });
      return;
    }
    await deps.payloads.destroy(ENROLMENT, sessionUid);
    await audit(ctx, 'mfa.enrol');
    services.notices.factorChanged(account, 'mfa_enabled', ctx.state.locale);
    ctx.type = 'html';
    ctx.body = recoveryCodesPage(formContext(ctx), result.recoveryCodes, `${PROFILE_PATH}/done`);
  }

  async function disable(ctx: AccountContext): Promise<void> {
    if (!mayDisableSecondFactor(ctx.state.tenant)) return render(ctx, { error: 'account.mfa_cannot_disable' }, 403);
    if (!(await confirmPassword(ctx))) return;
    ctx.state.account = (await services.mfa.disable(ctx.state.account.id))?.after ?? ctx.state.account;
    await audit(ctx, 'mfa.disable');
    services.notices.factorChanged(ctx.state.account, 'mfa_disabled', ctx.state.locale);
    await render(ctx, { message: 'account.mfa_disabled' });
  }

  async function newRecoveryCodes(ctx: AccountContext): Promise<void> {
    if (!(await confirmPassword(ctx))) return;
    const codes = await services.mfa.regenerateRecoveryCodes(ctx.state.account.id);
    if (!codes) return render(ctx, { error: 'account.mfa_off' }, 400);
    await audit(ctx, 'mfa.recovery_codes_regenerate');
    services.notices.factorChanged(ctx.state.account, 'recovery_codes', ctx.state.locale);
    ctx.type = 'html';
    ctx.body = recoveryCodesPage(formContext(ctx), codes, `${PROFILE_PATH}/done`);
  }

  /** The person's own data as a JSON file (GDPR art. 15/20). */
  async function downloadData(ctx: AccountContext): Promise<void> {
    const { account, tenant } = ctx.state;
    const data = await personalData(services, account, tenant);
    await audit(ctx, 'account.data_download', { events: data.auditEvents.length });
    ctx.set('Content-Disposition', `attachment; filename="my-data-${tenant.slug}.json"`);
    ctx.type = 'application/json';
    ctx.body = JSON.stringify(data, null, 2);
  }

  function done(ctx: AccountContext): void {
    ctx.status = 303;
    ctx.redirect(PROFILE_PATH);
  }

  /** One app loses its access: the grant and its tokens end, and it gets a back-channel logout if it asked for one. */
  async function revokeAppAccess(ctx: AccountContext): Promise<void> {
    const revoked = await revokeApp(deps.payloads, services, ctx.state.account.id, ctx.state.form.grant ?? '');
    if (!revoked) {
      await services.audit.record({
        tenantId: ctx.state.account.tenantId,
        actor: { type: 'user', id: ctx.state.account.id },
        action: 'account.app_revoke',
        outcome: 'failure',
        reason: 'not_own_grant',
        target: { type: 'account', id: ctx.state.account.id },
        origin: requestOrigin(ctx),
        details: { via: 'profile' },
      });
      return render(ctx, { error: 'account.app_unknown' }, 404);
    }
    await audit(ctx, 'account.app_revoke', { clientId: revoked.clientId });
    await render(ctx, { message: 'account.app_revoked' });
  }

  /** Every other session of the person ends (each app they signed in to is told); this one stays. */
  async function signOutOthers(ctx: AccountContext): Promise<void> {
    await services.sessions.endAccountSessions(ctx.state.account.id, 'sign_out_elsewhere', ctx.state.sessionId);
    await audit(ctx, 'account.sign_out_elsewhere');
    await render(ctx, { message: 'account.signed_out_others' });
  }

  function signOut(ctx: AccountContext): void {
    ctx.status = 303;
    ctx.redirect(`/session/end?client_id=${PROFILE_CLIENT_ID}`);
  }

  const form = [renderFailures, requireSession, parseForm] as const;
  router.get('/', renderFailures, requireSession, show);
  router.get('/callback', renderFailures, callback);
  router.get('/data', renderFailures, requireSession, downloadData);
  router.post('/password', ...form, changePassword);
  router.post('/2fa/start', ...form, startEnrolment);
  router.post('/2fa/confirm', ...form, confirmEnrolment);
  router.post('/2fa/disable', ...form, disable);
  router.post('/recovery-codes', ...form, newRecoveryCodes);
  // Only moves on from the recovery codes to the profile (which then checks the session itself).
  router.post('/done', renderFailures, done);
  router.post('/sign-out', ...form, signOut);
  router.post('/apps/revoke', ...form, revokeAppAccess);
  router.post('/sessions/sign-out-others', ...form, signOutOthers);
  return router;
}
