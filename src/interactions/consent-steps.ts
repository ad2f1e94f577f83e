import type Provider from 'oidc-provider';
import { ADMIN_SCOPE } from '../oidc/settings.js';
import { grantScopes } from '../oidc/provider.js';
import { consentPage } from '../views/pages.js';
import { requestOrigin } from '../web/origin.js';
import type { InteractionContext } from './context.js';
import type { InteractionDeps, InteractionKit } from './kit.js';
import { PageError } from '../web/page-error.js';

/** Consent for third-party apps (first-party apps are granted without asking), and declining. */
export function consentSteps({ provider, services, flows }: InteractionDeps, { formContext, finish }: InteractionKit) {
  async function showConsent(ctx: InteractionContext): Promise<void> {
    if (ctx.state.client.firstParty) return grantConsent(ctx);
    ctx.body = consentPage(formContext(ctx), requestedScopes(ctx.state.interaction));
  }

  async function grantConsent(ctx: InteractionContext): Promise<void> {
    const { interaction } = ctx.state;
    if (interaction.prompt.name !== 'consent' || !interaction.session?.accountId) {
      throw new PageError(400, 'error.session_expired', 'no_consent_prompt');
    }
    const details = interaction.prompt.details as {
      missingOIDCScope?: string[];
      missingOIDCClaims?: string[];
      missingResourceScopes?: Record<string, string[]>;
    };
    const existing = interaction.grantId ? await (provider as Provider).Grant.find(interaction.grantId) : undefined;
    const grant = existing ?? new provider.Grant({ accountId: interaction.session.accountId, clientId: ctx.state.client.clientId });
    const scopes = grantScopes(grant, details.missingOIDCScope ?? []);
    if (details.missingOIDCClaims) grant.addOIDCClaims(details.missingOIDCClaims);
    // An API's scopes reach here only as far as the client was granted them (resource-servers.ts).
    for (const [resource, resourceScopes] of Object.entries(details.missingResourceScopes ?? {})) {
      grant.addResourceScope(resource, resourceScopes.join(' '));
      scopes.push(...resourceScopes.map((scope) => `${resource} ${scope}`));
    }
    const grantId = await grant.save();
    await auditConsent(ctx, 'success', scopes);
    await finish(ctx, { consent: existing ? {} : { grantId } });
  }

  async function abort(ctx: InteractionContext): Promise<void> {
    await flows.discard(ctx.state.flow.uid);
    if (ctx.state.interaction.prompt.name === 'consent') await auditConsent(ctx, 'failure', []);
    await finish(ctx, { error: 'access_denied', error_description: 'the person declined' });
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

  return { showConsent, grantConsent, abort };
}

function requestedScopes(interaction: { params: Record<string, unknown>; prompt: { details: Record<string, unknown> } }): string[] {
  const missing = interaction.prompt.details.missingOIDCScope as string[] | undefined;
  const resources = (interaction.prompt.details.missingResourceScopes as Record<string, string[]> | undefined) ?? {};
  const oidcScopes = missing ?? ((interaction.params.scope as string | undefined) ?? '').split(' ');
  return [...new Set([...oidcScopes, ...Object.values(resources).flat()])].filter((s) => s && s !== ADMIN_SCOPE);
}
