import type { Next } from 'koa';
import type Provider from 'oidc-provider';
import { errors as oidcErrors } from 'oidc-provider';
import type { Services } from '../services.js';
import { negotiateLocale } from '../i18n/messages.js';
import { clientRules } from '../oidc/client-rules.js';
import { readForm } from '../web/body.js';
import { allowFormActions } from '../web/security-headers.js';
import { csrfMatches, type LoginFlowStore } from './flow.js';
import { PageError, renderPageFailures } from '../web/page-error.js';
import type { InteractionContext } from './context.js';

/** Shared steps of every interaction route, each small and in the order routes list them. */
export function interactionSteps(deps: { provider: Provider; services: Services; flows: LoginFlowStore; maxBodyBytes: number }) {
  const { provider, services, flows } = deps;

  /** Failures become pages; the provider's own errors say the sign-in has expired or went wrong. */
  const renderFailures = renderPageFailures(providerFailure);

  async function loadInteraction(ctx: InteractionContext, next: Next): Promise<void> {
    const interaction = await provider.interactionDetails(ctx.req, ctx.res);
    if (interaction.uid !== ctx.params.uid) throw new PageError(400, 'error.session_expired', 'interaction_mismatch');
    const params = interaction.params as Record<string, string | undefined>;
    ctx.state.interaction = interaction;
    ctx.state.locale = negotiateLocale(params.ui_locales, ctx.get('accept-language'));
    const client = await provider.Client.find(String(params.client_id));
    if (!client) throw new PageError(400, 'error.invalid_client', 'invalid_client');
    const rules = clientRules(client);
    const redirectOrigin = params.redirect_uri ? new URL(params.redirect_uri).origin : null;
    ctx.state.client = { clientId: client.clientId, name: client.clientName ?? client.clientId, ...rules, redirectOrigin };
    ctx.state.requestedTenant = null;
    if (params.tenant !== undefined) {
      const tenant = await services.tenants.findBySlug(params.tenant);
      if (!tenant || tenant.state !== 'active') throw new PageError(400, 'error.unknown_tenant', 'unknown_tenant');
      ctx.state.requestedTenant = tenant;
    }
    ctx.state.flow = await flows.load(interaction.uid, interaction.exp * 1000);
    allowFormActions(ctx, redirectOrigin ? [redirectOrigin] : []);
    await next();
  }

  async function parseForm(ctx: InteractionContext, next: Next): Promise<void> {
    ctx.state.form = await readForm(ctx, deps.maxBodyBytes);
    await next();
  }

  async function checkCsrf(ctx: InteractionContext, next: Next): Promise<void> {
    if (!csrfMatches(ctx.state.flow, ctx.state.form.csrf)) throw new PageError(403, 'error.csrf', 'csrf_token_invalid');
    await next();
  }

  return { renderFailures, loadInteraction, parseForm, checkCsrf };
}

function providerFailure(error: unknown): PageError | undefined {
  if (error instanceof oidcErrors.SessionNotFound || error instanceof oidcErrors.InvalidRequest) {
    return new PageError(400, 'error.session_expired', 'session_not_found');
  }
  if (error instanceof oidcErrors.OIDCProviderError && error.status < 500) {
    return new PageError(error.status, 'error.generic', error.error);
  }
  return undefined;
}
