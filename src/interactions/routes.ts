import Router from '@koa/router';
import { INTERACTION_PATH } from '../oidc/settings.js';
import { recoveryCodesPage } from '../views/pages.js';
import type { InteractionContext } from './context.js';
import { consentSteps } from './consent-steps.js';
import { interactionKit, type InteractionDeps } from './kit.js';
import { passwordSteps } from './password-steps.js';
import { secondFactorSteps } from './second-factor-steps.js';
import { forgotSteps } from './forgot-steps.js';
import { federationSteps } from './federation-steps.js';
import { interactionSteps } from './steps.js';

export type { InteractionDeps } from './kit.js';

/**
 * The hosted sign-in. Each route is a short list of steps: render failures as pages, load
 * the interaction and its flow, read the form, check the CSRF token, then do one thing.
 */
export function interactionRoutes(deps: InteractionDeps): Router[] {
  const { renderFailures, loadInteraction, parseForm, checkCsrf } = interactionSteps(deps);
  const kit = interactionKit(deps);
  const federation = federationSteps(deps, kit);
  const password = passwordSteps(deps, kit, federation.startForEmail);
  const secondFactor = secondFactorSteps(deps, kit);
  const consent = consentSteps(deps, kit);
  const forgot = forgotSteps(deps, kit);
  const form = [renderFailures, loadInteraction, parseForm, checkCsrf] as const;

  async function show(ctx: InteractionContext): Promise<void> {
    ctx.type = 'html';
    if (ctx.state.interaction.prompt.name === 'consent') return consent.showConsent(ctx);
    if (ctx.state.flow.accountId === null && (await kit.resumeAfterLink(ctx))) return;
    if (ctx.state.flow.step === 'email' && (await federation.startForTenant(ctx))) return;
    switch (ctx.state.flow.step) {
      case 'password':
        return password.showPassword(ctx);
      case 'choose_tenant':
        return password.showTenantChoice(ctx);
      case 'change_password':
        return password.showNewPassword(ctx);
      case 'second_factor':
        return secondFactor.showCode(ctx);
      case 'enrol_second_factor':
        return secondFactor.showEnrolment(ctx);
      case 'enrolled':
        ctx.body = recoveryCodesPage(kit.formContext(ctx), [], `${kit.formContext(ctx).action}/enrolled`);
        return;
      case 'email':
      default:
        return password.showEmail(ctx);
    }
  }

  const router = new Router({ prefix: `${INTERACTION_PATH}/:uid` });
  router.get('/', renderFailures, loadInteraction, show);
  router.post('/email', ...form, password.submitEmail);
  router.post('/password', ...form, password.submitPassword);
  router.post('/tenant', ...form, password.chooseTenant);
  router.post('/new-password', ...form, password.submitNewPassword);
  router.post('/restart', ...form, password.restart);
  router.get('/forgot', renderFailures, loadInteraction, forgot.showForgot);
  router.post('/forgot', ...form, forgot.submitForgot);
  router.post('/second-factor', ...form, secondFactor.submitCode);
  router.post('/enrol', ...form, secondFactor.submitEnrolment);
  router.post('/enrolled', ...form, secondFactor.continueAfterEnrolment);
  router.post('/consent', ...form, consent.grantConsent);
  router.post('/abort', ...form, consent.abort);
  router.get('/federation/:connectionId', renderFailures, loadInteraction, federation.start);
  router.get('/federation-return', renderFailures, loadInteraction, federation.complete);
  return [router, federation.callbackRouter];
}
