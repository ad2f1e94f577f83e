import type Provider from 'oidc-provider';
import type { Services } from '../services.js';
import type { OidcPayloadRepository } from '../oidc/repository.js';
import { takeLinkSignIn } from '../set-password/link-sign-in.js';
import type { Account } from '../accounts/types.js';
import { secondFactorStep, type SignInAudience, type SignInMethod } from '../accounts/sign-in-eligibility.js';
import { ACR_MFA, ACR_PASSWORD, INTERACTION_PATH } from '../oidc/settings.js';
import type { FormContext } from '../views/pages.js';
import { requestOrigin } from '../web/origin.js';
import { restartedFlow, type LoginFlow, type LoginFlowStore } from './flow.js';
import type { InteractionContext } from './context.js';
import { PageError } from '../web/page-error.js';

export interface InteractionDeps {
  provider: Provider;
  services: Services;
  flows: LoginFlowStore;
  payloads: OidcPayloadRepository;
  issuer: string;
  maxBodyBytes: number;
}

const SECOND_FACTOR_AMR: Record<Exclude<LoginFlow['secondFactor'], null>, string[]> = {
  otp: ['otp', 'mfa'],
  recovery_code: ['mfa'],
  upstream: ['mfa'],
};

/** What every step module shares: page context, moving the flow on, finishing, auditing. */
export function interactionKit(deps: InteractionDeps) {
  const { provider, services, flows } = deps;

  const formContext = (ctx: InteractionContext): FormContext => ({
    locale: ctx.state.locale,
    action: `${INTERACTION_PATH}/${ctx.state.interaction.uid}`,
    csrf: ctx.state.flow.csrf,
    clientName: ctx.state.client.name,
  });

  /** Saves the flow at its next step and sends the browser to show it (post/redirect/get). */
  async function moveTo(ctx: InteractionContext, flow: LoginFlow): Promise<void> {
    await flows.save(flow);
    ctx.status = 303;
    ctx.redirect(formContext(ctx).action);
  }

  async function finish(ctx: InteractionContext, result: Record<string, unknown>): Promise<void> {
    const returnTo = await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: true });
    ctx.status = 303;
    ctx.redirect(returnTo);
  }

  /** The app's tenant limit and the tenant its request names, for the sign-in rules. */
  const audienceOf = (ctx: InteractionContext): SignInAudience => ({
    clientTenantIds: ctx.state.client.tenantIds,
    requestedTenantId: ctx.state.requestedTenant?.id,
  });

  async function secondFactorNeeded(ctx: InteractionContext, account: Account): Promise<'verify' | 'enrol' | 'unmet' | null> {
    const tenant = await services.tenants.findById(account.tenantId);
    if (!tenant) throw new PageError(400, 'error.session_expired', 'account_unavailable');
    const acrValues = String((ctx.state.interaction.params as { acr_values?: string }).acr_values ?? '').split(' ');
    return secondFactorStep(account, tenant, acrValues.includes(ACR_MFA));
  }

  /**
   * The steps after a verified first factor, in order: the second factor (or its enrolment),
   * then a new password if the old one breaks the tenant's rules, then the sign-in itself.
   * Nothing about the account changes before both factors are proved. An upstream's own MFA
   * counts as the second factor where the connection trusts it.
   */
  async function continueAs(ctx: InteractionContext, flow: LoginFlow, account: Account, upstreamMfaTrusted = false): Promise<void> {
    const next: LoginFlow = { ...flow, accountId: account.id, secondFactor: flow.secondFactor ?? (upstreamMfaTrusted ? 'upstream' : null) };
    if (!next.secondFactor) {
      const needed = await secondFactorNeeded(ctx, account);
      if (needed === 'verify') return moveTo(ctx, { ...next, step: 'second_factor' });
      if (needed === 'enrol') return moveTo(ctx, { ...next, step: 'enrol_second_factor', pendingTotpSecret: null });
      if (needed === 'unmet') {
        await auditLogin(ctx, account, 'failure', 'second_factor_unavailable', account.email);
        await flows.discard(next.uid);
        return finish(ctx, { error: 'unmet_authentication_requirements', error_description: 'the account has no second factor' });
      }
    }
    if (next.nonCompliantAccountIds.includes(account.id)) return moveTo(ctx, { ...next, step: 'change_password' });
    ctx.state.flow = next;
    return finishLogin(ctx, account);
  }

  async function finishLogin(ctx: InteractionContext, account: Account): Promise<void> {
    const { firstFactor, secondFactor } = ctx.state.flow;
    if (!(await services.accounts.completeSignIn(account.id))) {
      await flows.discard(ctx.state.flow.uid);
      throw new PageError(401, 'login.invalid_credentials', 'account_locked');
    }
    const action =
      secondFactor && secondFactor !== 'upstream' ? 'login.second_factor' : firstFactor === 'fed' ? 'login.federated' : 'login.password';
    await auditLogin(ctx, account, 'success', null, account.email, action);
    await flows.discard(ctx.state.flow.uid);
    const amr = [firstFactor, ...(secondFactor ? SECOND_FACTOR_AMR[secondFactor] : [])];
    await finish(ctx, { login: { accountId: account.id, amr, acr: secondFactor ? ACR_MFA : ACR_PASSWORD } });
  }

  async function auditLogin(
    ctx: InteractionContext,
    account: Account | null,
    outcome: 'success' | 'failure',
    reason: string | null,
    email: string | null,
    action: 'login.password' | 'login.second_factor' | 'login.federated' = 'login.password',
  ) {
    await services.audit.record({
      tenantId: account?.tenantId ?? null,
      actor: account ? { type: 'user', id: account.id } : { type: 'anonymous' },
      action,
      target: account ? { type: 'account', id: account.id } : null,
      outcome,
      reason,
      origin: requestOrigin(ctx),
      details: { email, clientId: ctx.state.client.clientId, ...(action === 'login.federated' ? ctx.state.flow?.upstream : null) },
    });
  }

  /** The account this flow has verified a first factor for, while it may still sign in here; anything else ends the flow. */
  async function flowAccount(ctx: InteractionContext): Promise<Account | null> {
    const { accountId, firstFactor } = ctx.state.flow;
    if (!accountId) return null;
    const method: SignInMethod = firstFactor === 'fed' ? 'federation' : 'password';
    const eligibility = await services.eligibility.check(accountId, audienceOf(ctx), method);
    return eligibility.ok ? eligibility.account : null;
  }

  /**
   * A browser that just set its password through an e-mailed link skips the password step:
   * the link proved the e-mail and the password was chosen a moment ago. Later steps remain.
   */
  async function resumeAfterLink(ctx: InteractionContext): Promise<boolean> {
    const accountId = await takeLinkSignIn(ctx, deps.payloads);
    const eligibility = accountId ? await services.eligibility.check(accountId, audienceOf(ctx), 'password') : null;
    if (!eligibility?.ok) return false;
    const { account } = eligibility;
    await continueAs(ctx, { ...restartedFlow(ctx.state.flow), email: account.email, verifiedAccountIds: [account.id] }, account);
    return true;
  }

  return { formContext, audienceOf, moveTo, finish, continueAs, finishLogin, auditLogin, flowAccount, resumeAfterLink };
}

export type InteractionKit = ReturnType<typeof interactionKit>;
