import type Provider from 'oidc-provider';
import { clientRules } from './client-rules.js';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { Logger } from '../log/logger.js';
import type { Services } from '../services.js';
import { requestOrigin } from '../web/origin.js';

/** The protocol endpoints whose refusals reach the audit trail, by oidc-provider's event name. */
const REFUSAL_EVENTS = {
  'grant.error': 'token',
  'authorization.error': 'authorization',
  'pushed_authorization_request.error': 'pushed_authorization_request',
  'introspection.error': 'introspection',
  'revocation.error': 'revocation',
  'userinfo.error': 'userinfo',
} as const;

const DESCRIPTION_MAX = 300;

/**
 * Answers that are no refusal of bad input: a silent sign-in check (prompt=none) that needs the
 * person, and a person declining consent (audited as `consent` already).
 */
const NOT_REFUSALS = new Set(['login_required', 'consent_required', 'interaction_required', 'account_selection_required', 'access_denied']);

type Refusal = { error?: string; error_description?: string; error_detail?: string };

/**
 * Every refused protocol request as `oauth.refused`, with the OAuth error code as the reason
 * and the provider's description (a replayed assertion or DPoP proof, a resource or scope the
 * client may not use, a used or expired request_uri) in the details. Never a parameter value:
 * those may be secrets.
 */
export function auditProtocolRefusals(provider: Provider, services: Services, logger: Logger): void {
  const events = provider as unknown as { on(name: string, listener: (ctx: KoaContextWithOIDC, error: Refusal) => void): void };
  for (const [event, endpoint] of Object.entries(REFUSAL_EVENTS)) {
    events.on(event, (ctx, error) => {
      if (error.error && NOT_REFUSALS.has(error.error)) return;
      const clientId = ctx.oidc?.client?.clientId ?? null;
      const tenantIds = ctx.oidc?.client ? clientRules(ctx.oidc.client).tenantIds : [];
      const grantType = ctx.oidc?.params?.grant_type;
      void services.audit
        .record({
          tenantId: tenantIds.length === 1 ? tenantIds[0]! : null,
          actor: { type: 'anonymous' },
          action: 'oauth.refused',
          target: clientId ? { type: 'client', id: clientId } : null,
          outcome: 'failure',
          reason: error.error ?? 'invalid_request',
          origin: requestOrigin(ctx),
          details: {
            endpoint,
            description: (error.error_description ?? '').slice(0, DESCRIPTION_MAX),
            // The precise reason, where the answer stays vague on purpose (client authentication).
            ...(error.error_detail ? { detail: String(error.error_detail).slice(0, DESCRIPTION_MAX) } : {}),
            ...(typeof grantType === 'string' ? { grantType } : {}),
          },
        })
        .catch((failure: unknown) => logger.error({ err: failure }, 'could not record a protocol refusal'));
    });
  }
}
