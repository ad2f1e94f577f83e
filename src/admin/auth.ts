import type { Context, Next } from 'koa';
import type Provider from 'oidc-provider';
import type { ClientRepository } from '../clients/repository.js';
import type { Client } from '../clients/types.js';
import type { Services } from '../services.js';
import { requestOrigin } from '../web/origin.js';
import type { Actor } from '../audit/types.js';
import { ACR_MFA, ADMIN_SCOPE } from '../oidc/settings.js';
import { CONSOLE_CLIENT_ID } from '../oidc/console-client.js';
import { ANY_AUDIENCE, secondFactorRequired } from '../accounts/sign-in-eligibility.js';
import { Authority, type GrantBasis } from '../roles/permissions.js';
import { HttpProblem } from './problem.js';

export interface AdminState {
  actor: Actor;
  /** What the caller may do, resolved for this request (roles and live support grants). */
  authority: Authority;
  /** Set when this request is allowed only by a support grant (its actions name the grant). */
  supportGrant?: GrantBasis;
}

/** An admin client's role, as an authority; clients from before roles are super-admins. */
export function clientAuthority(client: Client): Authority {
  const role = client.adminRole ?? 'super-admin';
  const tenants = client.adminTenantIds;
  return new Authority(tenants.length ? tenants.map((tenantId) => ({ role, tenantId })) : [{ role, tenantId: null }]);
}

type Token = { clientId?: string; isExpired: boolean; scope?: string; jkt?: string; 'x5t#S256'?: string };

/**
 * Admits a request that carries a live access token from this IdP with the `admin` scope:
 * client credentials of a client that is still an admin client, or a person's token issued to
 * the built-in console (`idp-console`) for an account that is still usable, whose sign-in is
 * still on, proved a second factor where one is needed (always for staff), and that holds a
 * role or a live support grant right now.
 */
export function requireAdminToken(provider: Provider, clients: ClientRepository, services: Services) {
  const challenge = (error: string, extra = '') => ({ 'WWW-Authenticate': `Bearer realm="admin", error="${error}"${extra}` });
  const invalidToken = (message = 'the token is not valid') => new HttpProblem(401, 'invalid_token', message, challenge('invalid_token'));

  return async function authenticateAdmin(ctx: Context, next: Next): Promise<void> {
    try {
      await admit(ctx);
    } catch (error) {
      if (error instanceof HttpProblem) {
        const actor = (ctx.state as Partial<AdminState>).actor;
        await services.audit.record({
          actor: actor ?? { type: 'anonymous' },
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

  function checkToken(token: Token): void {
    if (token.isExpired) throw invalidToken();
    // A sender-constrained (DPoP or mTLS) token presented as a plain bearer token would lose its binding.
    if (token.jkt || token['x5t#S256']) throw invalidToken('sender-constrained tokens are not accepted here');
    if (
      !String(token.scope ?? '')
        .split(' ')
        .includes(ADMIN_SCOPE)
    ) {
      throw new HttpProblem(403, 'insufficient_scope', 'the token lacks the admin scope', challenge('insufficient_scope'));
    }
  }

  async function admit(ctx: Context): Promise<void> {
    const match = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/.exec(ctx.get('authorization'));
    if (!match) throw new HttpProblem(401, 'unauthorized', 'a bearer token is required', { 'WWW-Authenticate': 'Bearer realm="admin"' });
    const state = ctx.state as AdminState;
    const credentials = await provider.ClientCredentials.find(match[1]!);
    if (credentials?.clientId) {
      checkToken(credentials);
      const client = await clients.findById(credentials.clientId);
      if (!client?.admin) throw invalidToken();
      state.actor = { type: 'admin_client', id: client.id };
      state.authority = clientAuthority(client);
      return;
    }
    const access = await provider.AccessToken.find(match[1]!);
    if (!access?.accountId) throw invalidToken();
    // People reach the admin API through the console only; another app's user token never does.
    if (access.clientId !== CONSOLE_CLIENT_ID) throw invalidToken('only the admin console’s tokens are accepted for people');
    checkToken(access);
    const eligibility = await services.eligibility.check(access.accountId, ANY_AUDIENCE, 'session');
    if (!eligibility.ok) throw invalidToken();
    const { account, tenant } = eligibility;
    // The sign-in behind the token must still be on (signing out ends console access) and be this account's.
    const session = access.sessionUid ? await provider.Session.findByUid(access.sessionUid) : undefined;
    if (!session || session.accountId !== account.id) throw invalidToken('the sign-in behind the token has ended');
    state.actor = { type: 'user', id: account.id };
    const staff = await services.roles.isStaff(account);
    const usedSecondFactor = session.acr === ACR_MFA;
    if ((staff || secondFactorRequired(account, tenant)) && !usedSecondFactor) {
      // RFC 9470: the client may send the person through sign-in again with a second factor.
      throw new HttpProblem(
        401,
        'insufficient_user_authentication',
        'sign in with two-step verification to use the admin API',
        challenge('insufficient_user_authentication', `, acr_values="${ACR_MFA}"`),
      );
    }
    state.authority = await services.roles.authorityOf(account);
    if (!state.authority.hasAnyRole) throw new HttpProblem(403, 'no_role', 'this account holds no administrator role');
  }
}
