import { enrolmentPage, recoveryCodesPage, secondFactorPage } from '../views/pages.js';
import { addressKey, requestOrigin } from '../web/origin.js';
import type { InteractionContext } from './context.js';
import type { InteractionDeps, InteractionKit } from './kit.js';
import { PageError } from '../web/page-error.js';

/** The code from the app (or a recovery code), or enrolment when the factor is required but missing. */
export function secondFactorSteps({ services, flows }: InteractionDeps, kit: InteractionKit) {
  const { formContext, continueAs, auditLogin, flowAccount } = kit;

  async function requireAccount(ctx: InteractionContext, step: string) {
    const account = ctx.state.flow.step === step ? await flowAccount(ctx) : null;
    if (!account) throw new PageError(400, 'error.session_expired', 'flow_step_invalid');
    return account;
  }

  function showCode(ctx: InteractionContext): void {
    ctx.body = secondFactorPage(formContext(ctx));
  }

  async function submitCode(ctx: InteractionContext): Promise<void> {
    const account = await requireAccount(ctx, 'second_factor');
    const throttle = await services.loginThrottle.hit(`code:${addressKey(ctx.ip)}`);
    if (!throttle.allowed) {
      ctx.set('Retry-After', String(throttle.retryAfterSeconds));
      ctx.status = 429;
      ctx.type = 'html';
      ctx.body = secondFactorPage(formContext(ctx), 'error.too_many_attempts');
      return;
    }
    const check = await services.mfa.verify(account, ctx.state.form.code ?? '');
    if (check.ok) {
      if (check.method === 'recovery_code') {
        await services.audit.record({
          tenantId: account.tenantId,
          actor: { type: 'user', id: account.id },
          action: 'mfa.recovery_code_used',
          target: { type: 'account', id: account.id },
          origin: requestOrigin(ctx),
          details: { left: check.recoveryCodesLeft },
        });
      }
      return continueAs(ctx, { ...ctx.state.flow, secondFactor: check.method }, check.account);
    }
    await auditLogin(ctx, account, 'failure', check.reason, account.email, 'login.second_factor');
    if (check.lockedNow) await services.lockNotifier.accountLocked(check.account, ctx.state.locale, requestOrigin(ctx));
    if (check.account.state === 'locked') {
      await flows.discard(ctx.state.flow.uid);
      throw new PageError(401, 'login.invalid_credentials', 'account_locked');
    }
    ctx.status = 401;
    ctx.type = 'html';
    ctx.body = secondFactorPage(formContext(ctx), 'mfa.invalid_code');
  }

  async function showEnrolment(ctx: InteractionContext): Promise<void> {
    const account = await requireAccount(ctx, 'enrol_second_factor');
    const issuer = (await services.tenants.findById(account.tenantId))?.name ?? 'Sign-in';
    const { flow } = ctx.state;
    const enrolment = flow.pendingTotpSecret
      ? await services.mfa.describeEnrolment(account, flow.pendingTotpSecret, issuer)
      : await services.mfa.beginEnrolment(account, issuer);
    if (!flow.pendingTotpSecret) await flows.save({ ...flow, pendingTotpSecret: enrolment.sealedSecret });
    ctx.body = enrolmentPage(formContext(ctx), enrolment, { action: `${formContext(ctx).action}/enrol`, required: true });
  }

  async function submitEnrolment(ctx: InteractionContext): Promise<void> {
    const account = await requireAccount(ctx, 'enrol_second_factor');
    const { flow } = ctx.state;
    if (!flow.pendingTotpSecret) throw new PageError(400, 'error.session_expired', 'no_pending_enrolment');
    const result = await services.mfa.confirmEnrolment(account.id, flow.pendingTotpSecret, ctx.state.form.code ?? '');
    if (!result.ok) {
      const issuer = (await services.tenants.findById(account.tenantId))?.name ?? 'Sign-in';
      const enrolment = await services.mfa.describeEnrolment(account, flow.pendingTotpSecret, issuer);
      ctx.status = 400;
      ctx.type = 'html';
      ctx.body = enrolmentPage(formContext(ctx), enrolment, {
        action: `${formContext(ctx).action}/enrol`,
        required: true,
        error: 'mfa.invalid_code',
      });
      return;
    }
    await services.audit.record({
      tenantId: account.tenantId,
      actor: { type: 'user', id: account.id },
      action: 'mfa.enrol',
      target: { type: 'account', id: account.id },
      origin: requestOrigin(ctx),
      details: { during: 'sign-in' },
    });
    services.notices.factorChanged(account, 'mfa_enabled', ctx.state.locale);
    await flows.save({ ...flow, step: 'enrolled', pendingTotpSecret: null });
    ctx.type = 'html';
    ctx.body = recoveryCodesPage(formContext(ctx), result.recoveryCodes, `${formContext(ctx).action}/enrolled`);
  }

  /** After the recovery codes were shown: the enrolment code counted as the second factor. */
  async function continueAfterEnrolment(ctx: InteractionContext): Promise<void> {
    const account = await requireAccount(ctx, 'enrolled');
    await continueAs(ctx, { ...ctx.state.flow, secondFactor: 'otp' }, account);
  }

  return { showCode, submitCode, showEnrolment, submitEnrolment, continueAfterEnrolment };
}
