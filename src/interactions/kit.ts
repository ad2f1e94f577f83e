import type Provider from 'oidc-provider';
import type { Services } from '../services.js';
import type { OidcPayloadRepository } from '../oidc/repository.js';
import { takeLinkSignIn } from '../set-password/link-sign-in.js';
import { tenantAllowed } from '../clients/tenant-access.js';
import type { Account } from '../accounts/types.js';
import { isUsable } from '../accounts/lockout.js';
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

  /**
   * The second step this sign-in needs: the account's factor; enrolment when its tenant demands
   * one; a refusal when only the app asks for one the account does not have (enrolling then
   * would let whoever holds the password bind their own authenticator).
   */
  async function secondFactorNeeded(ctx: InteractionContext, account: Account): Promise<'verify' | 'enrol' | 'unmet' | null> {
    if (account.totp) return 'verify';
    const { password } = await services.tenants.policyOf(account.tenantId);
    if (password.require2fa) return 'enrol';
    const acrValues = String((ctx.state.interaction.params as { acr_values?: string }).acr_values ?? '').split(' ');
    return acrValues.includes(ACR_MFA) ? 'unmet' : null;
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
    const action = secondFactor && secondFactor !== 'upstream' ? 'login.second_factor' : firstFactor === 'fed' ? 'login.federated' : 'login.password';
    await auditLogin(ctx, account, 'success', null, account.email, action);
    await flows.discard(ctx.state.flow.uid);
    const amr = [firstFactor, ...(secondFactor ? SECOND_FACTOR_AMR[secondFactor] : [])];
    await finish(ctx, { login: { accountId: account.id, amr, acr: secondFactor ? ACR_MFA : ACR_PASSWORD } });
  }

  async function auditLogin(
    ctx: InteractionContext, account: Account | null, outcome: 'success' | 'failure', reason: string | null, email: string,
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
      details: { email, clientId: ctx.state.client.clientId },
    });
  }

  /** The account this flow has verified a password for, still usable; anything else ends the flow. */
  async function flowAccount(ctx: InteractionContext): Promise<Account | null> {
    const { accountId } = ctx.state.flow;
    const account = accountId ? await services.accounts.findById(accountId) : null;
    return account && isUsable(account, new Date()) ? account : null;
  }

  /**
   * A browser that just set its password through an e-mailed link skips the password step:
   * the link proved the e-mail and the password was chosen a moment ago. Later steps remain.
   */
  async function resumeAfterLink(ctx: InteractionContext): Promise<boolean> {
    const accountId = await takeLinkSignIn(ctx, deps.payloads);
    const account = accountId ? await services.accounts.findById(accountId) : null;
    if (!account || !isUsable(account, new Date())) return false;
    if (!tenantAllowed(account.tenantId, ctx.state.client.tenantIds, ctx.state.requestedTenant?.id)) return false;
    if (!(await services.tenants.findById(account.tenantId))?.passwordsAllowed) return false;
    await continueAs(ctx, { ...restartedFlow(ctx.state.flow), email: account.email, verifiedAccountIds: [account.id] }, account);
    return true;
  }

  return { formContext, moveTo, finish, continueAs, finishLogin, auditLogin, flowAccount, resumeAfterLink };
}

export type InteractionKit = ReturnType<typeof interactionKit>;
