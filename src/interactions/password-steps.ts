import type { Account } from '../accounts/types.js';
import { emailSchema } from '../accounts/schema.js';
import { PasswordPolicyError } from '../accounts/password-setter.js';
import type { SignInAttempt } from '../accounts/service.js';
import type { MessageId } from '../i18n/messages.js';
import { PASSWORD_INPUT_MAX } from '../config/defaults.js';
import { changePasswordPage, chooseTenantPage, loginEmailPage, loginPasswordPage } from '../views/pages.js';
import { addressKey, requestOrigin } from '../web/origin.js';
import type { InteractionContext } from './context.js';
import type { InteractionDeps, InteractionKit } from './kit.js';
import { restartedFlow } from './flow.js';
import { PageError } from '../web/page-error.js';

/** Sends an e-mail whose domain signs in upstream there instead; true when it did. */
export type HomeRealmHook = (ctx: InteractionContext, email: string) => Promise<boolean>;

/** E-mail, then password, then (if needed) the tenant choice and a new password. */
export function passwordSteps({ services }: InteractionDeps, kit: InteractionKit, homeRealm: HomeRealmHook) {
  const { formContext, audienceOf, moveTo, continueAs, auditLogin, flowAccount } = kit;

  /** The app named a tenant: offer its upstreams beside the e-mail field. */
  async function connectionButtons(ctx: InteractionContext) {
    const tenant = ctx.state.requestedTenant;
    return tenant ? (await services.connections.enabledFor(tenant.id)).map((c) => ({ id: c.id, name: c.name })) : [];
  }

  async function showEmail(ctx: InteractionContext): Promise<void> {
    const hint = (ctx.state.interaction.params as { login_hint?: string }).login_hint;
    ctx.body = loginEmailPage(formContext(ctx), { email: hint, connections: await connectionButtons(ctx) });
  }

  function showPassword(ctx: InteractionContext): void {
    ctx.body = loginPasswordPage(formContext(ctx), { email: ctx.state.flow.email! });
  }

  async function showTenantChoice(ctx: InteractionContext): Promise<void> {
    const choices = await Promise.all(
      ctx.state.flow.verifiedAccountIds.map(async (accountId) => {
        const account = await services.accounts.findById(accountId);
        const tenant = account && (await services.tenants.findById(account.tenantId));
        return { accountId, name: tenant?.name ?? accountId };
      }),
    );
    ctx.body = chooseTenantPage(formContext(ctx), choices);
  }

  function showNewPassword(ctx: InteractionContext): void {
    ctx.body = changePasswordPage(formContext(ctx), []);
  }

  async function submitEmail(ctx: InteractionContext): Promise<void> {
    const parsed = emailSchema.safeParse(ctx.state.form.email ?? '');
    if (!parsed.success) {
      ctx.status = 400;
      ctx.type = 'html';
      ctx.body = loginEmailPage(formContext(ctx), {
        email: ctx.state.form.email,
        error: 'login.invalid_email',
        connections: await connectionButtons(ctx),
      });
      return;
    }
    if (await homeRealm(ctx, parsed.data)) return;
    await moveTo(ctx, { ...restartedFlow(ctx.state.flow), step: 'password', email: parsed.data });
  }

  async function submitPassword(ctx: InteractionContext): Promise<void> {
    const { flow, form, requestedTenant } = ctx.state;
    if (flow.step !== 'password' || !flow.email) throw new PageError(400, 'error.session_expired', 'flow_step_invalid');
    const password = form.password ?? '';
    const refuse = async (status: number, error: MessageId) => {
      ctx.status = status;
      ctx.type = 'html';
      ctx.body = loginPasswordPage(formContext(ctx), { email: flow.email!, error });
    };
    if (!password || password.length > PASSWORD_INPUT_MAX)
      return refuse(400, password ? 'login.invalid_credentials' : 'login.password_required');
    const throttle = await services.loginThrottle.hit(`password:${addressKey(ctx.ip)}`);
    if (!throttle.allowed) {
      ctx.set('Retry-After', String(throttle.retryAfterSeconds));
      await auditLogin(ctx, null, 'failure', 'rate_limited', flow.email);
      return refuse(429, 'error.too_many_attempts');
    }

    const audience = audienceOf(ctx);
    const eligible = (account: Account) => services.eligibility.admitsPassword(account, audience);
    const attempts = await services.accounts.signIn(flow.email, password, requestedTenant?.id, eligible);
    for (const attempt of attempts) {
      if (attempt.outcome === 'ok') continue;
      await auditLogin(ctx, attempt.account, 'failure', attempt.outcome, flow.email);
      if (attempt.outcome !== 'unknown_account' && attempt.lockedNow) {
        await services.lockNotifier.accountLocked(attempt.account, ctx.state.locale, requestOrigin(ctx));
      }
    }
    const admitted = attempts.filter((a): a is Extract<SignInAttempt, { outcome: 'ok' }> => a.outcome === 'ok');
    if (admitted.length === 0) return refuse(401, 'login.invalid_credentials');

    const next = {
      ...flow,
      verifiedAccountIds: admitted.map((a) => a.account.id),
      nonCompliantAccountIds: admitted.filter((a) => a.nonCompliant.length > 0).map((a) => a.account.id),
    };
    if (admitted.length === 1) return continueAs(ctx, next, admitted[0]!.account);
    await moveTo(ctx, { ...next, step: 'choose_tenant' });
  }

  async function chooseTenant(ctx: InteractionContext): Promise<void> {
    const { flow, form } = ctx.state;
    const accountId = form.account ?? '';
    if (flow.step !== 'choose_tenant' || !flow.verifiedAccountIds.includes(accountId)) {
      throw new PageError(400, 'error.session_expired', 'tenant_choice_invalid');
    }
    const eligibility = await services.eligibility.check(accountId, audienceOf(ctx), 'password');
    if (!eligibility.ok) throw new PageError(400, 'error.session_expired', 'account_unavailable');
    await continueAs(ctx, flow, eligibility.account);
  }

  async function submitNewPassword(ctx: InteractionContext): Promise<void> {
    const { flow, form } = ctx.state;
    const account = flow.step === 'change_password' ? await flowAccount(ctx) : null;
    if (!account) throw new PageError(400, 'error.session_expired', 'flow_step_invalid');
    let changed: Account;
    try {
      changed = (await services.accounts.setPassword(account.tenantId, account.id, form.newPassword ?? '')).after;
    } catch (error) {
      if (!(error instanceof PasswordPolicyError)) throw error;
      ctx.status = 400;
      ctx.type = 'html';
      ctx.body = changePasswordPage(formContext(ctx), error.violations);
      return;
    }
    await services.audit.record({
      tenantId: changed.tenantId,
      actor: { type: 'user', id: changed.id },
      action: 'account.password_change',
      target: { type: 'account', id: changed.id },
      reason: 'non_compliant_at_login',
      origin: requestOrigin(ctx),
    });
    await continueAs(ctx, { ...flow, nonCompliantAccountIds: flow.nonCompliantAccountIds.filter((id) => id !== changed.id) }, changed);
  }

  async function restart(ctx: InteractionContext): Promise<void> {
    await moveTo(ctx, restartedFlow(ctx.state.flow));
  }

  return {
    showEmail,
    showPassword,
    showTenantChoice,
    showNewPassword,
    submitEmail,
    submitPassword,
    chooseTenant,
    submitNewPassword,
    restart,
  };
}
