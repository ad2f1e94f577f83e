import Router from '@koa/router';
import type Provider from 'oidc-provider';
import type { Services } from '../services.js';
import type { Account } from '../accounts/types.js';
import { emailSchema } from '../accounts/schema.js';
import { tenantAllowed } from '../clients/tenant-access.js';
import { ADMIN_SCOPE, INTERACTION_PATH } from '../oidc/settings.js';
import { grantScopes } from '../oidc/provider.js';
import { changePasswordPage, chooseTenantPage, consentPage, loginEmailPage, loginPasswordPage, type FormContext } from '../views/pages.js';
import { PasswordPolicyError } from '../accounts/password-setter.js';
import type { SignInAttempt } from '../accounts/service.js';
import type { MessageId } from '../i18n/messages.js';
import { requestOrigin } from '../web/origin.js';
import type { LoginFlow, LoginFlowStore } from './flow.js';
import type { InteractionContext } from './context.js';
import { PageError } from './page-error.js';
import { interactionSteps } from './steps.js';

/** Longest password we spend a hash on; the policy's own maximum is lower. */
const PASSWORD_MAX = 1024;

export interface InteractionDeps {
  provider: Provider;
  services: Services;
  flows: LoginFlowStore;
  maxBodyBytes: number;
}

export function interactionRoutes(deps: InteractionDeps): Router {
  const { provider, services, flows } = deps;
  const { renderFailures, loadInteraction, parseForm, checkCsrf } = interactionSteps(deps);
  const formSteps = [renderFailures, loadInteraction, parseForm, checkCsrf] as const;
  const router = new Router({ prefix: `${INTERACTION_PATH}/:uid` });

  const formContext = (ctx: InteractionContext): FormContext => ({
    locale: ctx.state.locale,
    action: `${INTERACTION_PATH}/${ctx.state.interaction.uid}`,
    csrf: ctx.state.flow.csrf,
    clientName: ctx.state.client.name,
  });

  async function show(ctx: InteractionContext): Promise<void> {
    const { interaction, flow } = ctx.state;
    ctx.type = 'html';
    if (interaction.prompt.name === 'consent') {
      if (ctx.state.client.firstParty) return grantConsent(ctx);
      ctx.body = consentPage(formContext(ctx), requestedScopes(interaction));
      return;
    }
    if (flow.step === 'choose_tenant') {
      const choices = await Promise.all(flow.verifiedAccountIds.map(async (accountId) => {
        const account = await services.accounts.findById(accountId);
        const tenant = account && (await services.tenants.findById(account.tenantId));
        return { accountId, name: tenant?.name ?? accountId };
      }));
      ctx.body = chooseTenantPage(formContext(ctx), choices);
      return;
    }
    if (flow.step === 'change_password') {
      ctx.body = changePasswordPage(formContext(ctx), []);
      return;
    }
    if (flow.step === 'password' && flow.email) {
      ctx.body = loginPasswordPage(formContext(ctx), { email: flow.email });
      return;
    }
    const hint = (interaction.params as { login_hint?: string }).login_hint;
    ctx.body = loginEmailPage(formContext(ctx), { email: hint });
  }

  async function submitEmail(ctx: InteractionContext): Promise<void> {
    const parsed = emailSchema.safeParse(ctx.state.form.email ?? '');
    if (!parsed.success) {
      ctx.status = 400;
      ctx.type = 'html';
      ctx.body = loginEmailPage(formContext(ctx), { email: ctx.state.form.email, error: 'login.invalid_email' });
      return;
    }
    await flows.save({ ...ctx.state.flow, step: 'password', email: parsed.data, verifiedAccountIds: [], nonCompliantAccountIds: [] });
    ctx.status = 303;
    ctx.redirect(formContext(ctx).action);
  }

  async function submitPassword(ctx: InteractionContext): Promise<void> {
    const { flow, form, client, requestedTenant } = ctx.state;
    if (flow.step !== 'password' || !flow.email) throw new PageError(400, 'error.session_expired', 'flow_step_invalid');
    const password = form.password ?? '';
    const refuse = async (status: number, error: MessageId) => {
      ctx.status = status;
      ctx.type = 'html';
      ctx.body = loginPasswordPage(formContext(ctx), { email: flow.email!, error });
    };
    if (!password || password.length > PASSWORD_MAX) return refuse(400, password ? 'login.invalid_credentials' : 'login.password_required');
    const throttle = await services.loginThrottle.hit(`password:${ctx.ip}`);
    if (!throttle.allowed) {
      ctx.set('Retry-After', String(throttle.retryAfterSeconds));
      await auditLogin(ctx, null, 'failure', 'rate_limited', flow.email);
      return refuse(429, 'error.too_many_attempts');
    }

    const attempts = await services.accounts.signIn(flow.email, password, requestedTenant?.id);
    for (const attempt of attempts) {
      if (attempt.outcome === 'ok') continue;
      await auditLogin(ctx, attempt.account, 'failure', attempt.outcome, flow.email);
      if (attempt.outcome !== 'unknown_account' && attempt.lockedNow) {
        await services.lockNotifier.accountLocked(attempt.account, ctx.state.locale, requestOrigin(ctx));
      }
    }
    const verified = attempts.filter((a): a is Extract<SignInAttempt, { outcome: 'ok' }> => a.outcome === 'ok');
    if (verified.length === 0) return refuse(401, 'login.invalid_credentials');

    const admitted = verified.filter(({ account }) => tenantAllowed(account.tenantId, client.tenantIds, requestedTenant?.id));
    if (admitted.length === 0) {
      for (const { account } of verified) await auditLogin(ctx, account, 'failure', 'tenant_not_allowed', flow.email);
      return refuse(403, 'login.tenant_not_allowed');
    }
    const next = {
      ...flow,
      verifiedAccountIds: admitted.map((a) => a.account.id),
      nonCompliantAccountIds: admitted.filter((a) => a.nonCompliant.length > 0).map((a) => a.account.id),
    };
    if (admitted.length === 1) return continueAs(ctx, next, admitted[0]!.account);
    await flows.save({ ...next, step: 'choose_tenant' });
    ctx.status = 303;
    ctx.redirect(formContext(ctx).action);
  }

  /** Signs in as the account, unless its password must change first. */
  async function continueAs(ctx: InteractionContext, flow: LoginFlow, account: Account): Promise<void> {
    if (!flow.nonCompliantAccountIds.includes(account.id)) return finishLogin(ctx, account);
    await flows.save({ ...flow, step: 'change_password', changePasswordAccountId: account.id });
    ctx.status = 303;
    ctx.redirect(formContext(ctx).action);
  }

  async function submitNewPassword(ctx: InteractionContext): Promise<void> {
    const { flow, form } = ctx.state;
    const accountId = flow.changePasswordAccountId;
    if (flow.step !== 'change_password' || !accountId) throw new PageError(400, 'error.session_expired', 'flow_step_invalid');
    const account = await services.accounts.findById(accountId);
    if (!account || account.state !== 'active') throw new PageError(400, 'error.session_expired', 'account_unavailable');
    try {
      const { after } = await services.accounts.setPassword(account.tenantId, account.id, form.newPassword ?? '');
      await services.audit.record({
        tenantId: after.tenantId, actor: { type: 'user', id: after.id }, action: 'account.password_change',
        target: { type: 'account', id: after.id }, reason: 'non_compliant_at_login', origin: requestOrigin(ctx),
      });
      await finishLogin(ctx, after);
    } catch (error) {
      if (!(error instanceof PasswordPolicyError)) throw error;
      ctx.status = 400;
      ctx.type = 'html';
      ctx.body = changePasswordPage(formContext(ctx), error.violations);
    }
  }

  async function chooseTenant(ctx: InteractionContext): Promise<void> {
    const { flow, form } = ctx.state;
    const accountId = form.account ?? '';
    if (flow.step !== 'choose_tenant' || !flow.verifiedAccountIds.includes(accountId)) {
      throw new PageError(400, 'error.session_expired', 'tenant_choice_invalid');
    }
    const account = await services.accounts.findById(accountId);
    if (!account || account.state !== 'active') throw new PageError(400, 'error.session_expired', 'account_unavailable');
    await continueAs(ctx, flow, account);
  }

  async function restart(ctx: InteractionContext): Promise<void> {
    await flows.save({ ...ctx.state.flow, step: 'email', email: null, verifiedAccountIds: [], nonCompliantAccountIds: [], changePasswordAccountId: null });
    ctx.status = 303;
    ctx.redirect(formContext(ctx).action);
  }

  async function finishLogin(ctx: InteractionContext, account: Account): Promise<void> {
    await auditLogin(ctx, account, 'success', null, account.email);
    await flows.discard(ctx.state.flow.uid);
    await finish(ctx, { login: { accountId: account.id, amr: ['pwd'] } });
  }

  async function grantConsent(ctx: InteractionContext): Promise<void> {
    const { interaction } = ctx.state;
    if (interaction.prompt.name !== 'consent' || !interaction.session?.accountId) {
      throw new PageError(400, 'error.session_expired', 'no_consent_prompt');
    }
    const details = interaction.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[] };
    const existing = interaction.grantId ? await provider.Grant.find(interaction.grantId) : undefined;
    const grant = existing ?? new provider.Grant({ accountId: interaction.session.accountId, clientId: ctx.state.client.clientId });
    const scopes = grantScopes(grant, details.missingOIDCScope ?? []);
    if (details.missingOIDCClaims) grant.addOIDCClaims(details.missingOIDCClaims);
    const grantId = await grant.save();
    await auditConsent(ctx, 'success', scopes);
    await finish(ctx, { consent: existing ? {} : { grantId } });
  }

  async function abort(ctx: InteractionContext): Promise<void> {
    await flows.discard(ctx.state.flow.uid);
    if (ctx.state.interaction.prompt.name === 'consent') await auditConsent(ctx, 'failure', []);
    await finish(ctx, { error: 'access_denied', error_description: 'the person declined' });
  }

  async function finish(ctx: InteractionContext, result: Record<string, unknown>): Promise<void> {
    const returnTo = await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: true });
    ctx.status = 303;
    ctx.redirect(returnTo);
  }

  async function auditConsent(ctx: InteractionContext, outcome: 'success' | 'failure', scopes: string[]) {
    const accountId = ctx.state.interaction.session?.accountId;
    const account = accountId ? await services.accounts.findById(accountId) : null;
    await services.audit.record({
      tenantId: account?.tenantId ?? null,
      actor: accountId ? { type: 'user', id: accountId } : { type: 'anonymous' },
      action: 'consent',
      target: { type: 'client', id: ctx.state.client.clientId },
      outcome,
      reason: outcome === 'failure' ? 'declined' : null,
      origin: requestOrigin(ctx),
      details: { scopes, firstParty: ctx.state.client.firstParty },
    });
  }

  async function auditLogin(ctx: InteractionContext, account: Account | null, outcome: 'success' | 'failure', reason: string | null, email: string) {
    await services.audit.record({
      tenantId: account?.tenantId ?? null,
      actor: account ? { type: 'user', id: account.id } : { type: 'anonymous' },
      action: 'login.password',
      target: account ? { type: 'account', id: account.id } : null,
      outcome,
      reason,
      origin: requestOrigin(ctx),
      details: { email, clientId: ctx.state.client.clientId },
    });
  }

  router.get('/', renderFailures, loadInteraction, show);
  router.post('/email', ...formSteps, submitEmail);
  router.post('/password', ...formSteps, submitPassword);
  router.post('/tenant', ...formSteps, chooseTenant);
  router.post('/new-password', ...formSteps, submitNewPassword);
  router.post('/restart', ...formSteps, restart);
  router.post('/consent', ...formSteps, grantConsent);
  router.post('/abort', ...formSteps, abort);
  return router;
}

function requestedScopes(interaction: { params: Record<string, unknown>; prompt: { details: Record<string, unknown> } }): string[] {
  const missing = interaction.prompt.details.missingOIDCScope as string[] | undefined;
  return (missing ?? String(interaction.params.scope ?? '').split(' ')).filter((s) => s && s !== ADMIN_SCOPE);
}
