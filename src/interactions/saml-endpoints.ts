import Router from '@koa/router';
import type { Context } from 'koa';
import { SAML_MAX_RESPONSE_BYTES } from '../config/defaults.js';
import type { UpstreamAnswer } from '../federation/connectors/connector.js';
import { inResponseToOf } from '../federation/connectors/saml/response-checks.js';
import { spMetadataXml } from '../federation/connectors/saml/sp-metadata.js';
import { samlPaths } from '../federation/service.js';
import type { Services } from '../services.js';
import type { OidcPayloadRepository } from '../oidc/repository.js';
import { samlSingleLogoutEndpoint } from './saml-logout.js';
import { BodyError, readForm } from '../web/body.js';
import { requestOrigin } from '../web/origin.js';
import { PageError, renderPageFailures } from '../web/page-error.js';

/** Room for the SAMLResponse field, its name and a RelayState. */
const FORM_LIMIT = SAML_MAX_RESPONSE_BYTES + 2048;

/**
 * Our SAML SP endpoints: metadata, the ACS and single logout (saml-logout.ts). The ACS is a cross-site POST, which brings no SameSite=Lax cookie: the
 * response's InResponseTo (a request id stored when the sign-in started) names the sign-in, and
 * the same browser continues there with a 303, where the response is verified against its flow.
 */
export function samlEndpoints(
  deps: { services: Services; payloads: OidcPayloadRepository },
  answered: (ctx: Context, correlation: string, answer: UpstreamAnswer, connectionId: string) => Promise<void>,
): Router {
  const { services } = deps;
  const router = new Router();
  const singleLogout = samlSingleLogoutEndpoint(deps);
  const samlConnection = async (id: string) => {
    const connection = await services.connections.findById(id);
    if (connection?.kind !== 'saml') throw new PageError(404, 'error.generic', 'connection_not_found');
    return connection;
  };

  router.get(samlPaths(':connectionId').metadata, renderPageFailures(), async (ctx) => {
    const connection = await samlConnection(ctx.params.connectionId!);
    ctx.type = 'application/samlmetadata+xml';
    ctx.body = spMetadataXml(connection);
  });

  router.get(samlPaths(':connectionId').slo, renderPageFailures(), async (ctx) => {
    await singleLogout(ctx, await samlConnection(ctx.params.connectionId!));
  });

  router.post(samlPaths(':connectionId').acs, renderPageFailures(), async (ctx) => {
    const connection = await samlConnection(ctx.params.connectionId!);
    const refuse = async (reason: string, status: number, messageId: 'error.session_expired' | 'error.too_large' | 'error.bad_request') => {
      await services.audit.record({
        tenantId: connection.tenantId,
        actor: { type: 'anonymous' },
        action: 'login.federated',
        outcome: 'failure',
        reason,
        origin: requestOrigin(ctx),
        details: { connectionId: connection.id, kind: 'saml' },
      });
      throw new PageError(status, messageId, 'saml_response_refused');
    };
    let form: Record<string, string>;
    try {
      form = await readForm(ctx, FORM_LIMIT);
    } catch (error) {
      if (error instanceof BodyError)
        return refuse(
          error.status === 413 ? 'saml_response_too_large' : 'malformed_saml_response',
          error.status,
          error.status === 413 ? 'error.too_large' : 'error.bad_request',
        );
      throw error;
    }
    const samlResponse = form.SAMLResponse ?? '';
    if (samlResponse.length > SAML_MAX_RESPONSE_BYTES) return refuse('saml_response_too_large', 413, 'error.too_large');
    const inResponseTo = inResponseToOf(samlResponse);
    // IdP-initiated: no request of ours, so no sign-in to continue and no app to return to.
    if (!inResponseTo) return refuse('unsolicited_response', 400, 'error.session_expired');
    await answered(ctx, inResponseTo, { query: {}, form: { SAMLResponse: samlResponse } }, connection.id);
  });
  return router;
}
