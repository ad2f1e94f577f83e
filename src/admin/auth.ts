import type { Context, Next } from 'koa';
import type Provider from 'oidc-provider';
import type { ClientRepository } from '../clients/repository.js';
import type { AuditService } from '../audit/service.js';
import { requestOrigin } from '../web/origin.js';
import type { Actor } from '../audit/types.js';
import { ADMIN_SCOPE } from '../oidc/settings.js';
import { HttpProblem } from './problem.js';

export interface AdminState {
  actor: Actor;
}

/**
 * Admits a request that carries a live client-credentials access token from this IdP,
 * with the `admin` scope, whose client is still an admin client right now.
 */
export function requireAdminToken(provider: Provider, clients: ClientRepository, audit: AuditService) {
  const challenge = (error: string) => ({ 'WWW-Authenticate': `Bearer realm="admin", error="${error}"` });
  return async function authenticateAdmin(ctx: Context, next: Next): Promise<void> {
    try {
      await admit(ctx);
    } catch (error) {
      if (error instanceof HttpProblem) {
        await audit.record({
          actor: { type: 'anonymous' },
          action: 'admin.auth',
          outcome: 'failure',
          reason: error.code,
          origin: requestOrigin(ctx),
          details: { method: ctx.method, path: ctx.path },
        });
      }
      throw error;
    }
    await next();
  };

  async function admit(ctx: Context): Promise<void> {
    const match = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/.exec(ctx.get('authorization'));
    if (!match) throw new HttpProblem(401, 'unauthorized', 'a bearer token is required', { 'WWW-Authenticate': 'Bearer realm="admin"' });
    const token = await provider.ClientCredentials.find(match[1]!);
    if (!token?.clientId || token.isExpired)
      throw new HttpProblem(401, 'invalid_token', 'the token is not valid', challenge('invalid_token'));
    // A sender-constrained (DPoP or mTLS) token presented as a plain bearer token would lose its binding.
    if (token.jkt || token['x5t#S256']) {
      throw new HttpProblem(401, 'invalid_token', 'sender-constrained tokens are not accepted here', challenge('invalid_token'));
    }
    const scopes = new Set(String(token.scope ?? '').split(' '));
    if (!scopes.has(ADMIN_SCOPE)) {
      throw new HttpProblem(403, 'insufficient_scope', 'the token lacks the admin scope', challenge('insufficient_scope'));
    }
    const client = await clients.findById(token.clientId);
    if (!client?.admin) throw new HttpProblem(401, 'invalid_token', 'the token is not valid', challenge('invalid_token'));
    (ctx.state as AdminState).actor = { type: 'admin_client', id: client.id };
  }
}
