import Provider, { interactionPolicy, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { clientRules } from './client-rules.js';
import type { JWK } from 'jose';
import type { Logger } from '../log/logger.js';
import type { Services } from '../services.js';
import type { Storage } from '../storage/port.js';
import { refreshAllowed, sessionNeedsSecondFactor, type SignInAudience } from '../accounts/sign-in-eligibility.js';
import { profileClientMetadata } from '../profile/session.js';
import { negotiateLocale } from '../i18n/messages.js';
import { errorPage, loggedOutPage, logoutPage } from '../views/pages.js';
import { requestOrigin } from '../web/origin.js';
import { createAdapterClass } from './adapter.js';
import { compareHashedClientSecrets } from './client-secret.js';
import { cacheClientLookups } from './client-cache.js';
import { EXTRA_CLIENT_METADATA } from './client-metadata.js';
import { consoleClientMetadata, mayGrantAdminScope } from './console-client.js';
import { ACR_MFA, ACR_PASSWORD, ADMIN_SCOPE, INTERACTION_PATH, ROUTES } from './settings.js';
import { providerErrorMessage } from './error-messages.js';
import { oauthConfiguration, tokenLifetimes } from './oauth-features.js';
import { introspectionAllowed } from './resource-servers.js';
import { auditProtocolRefusals } from './protocol-audit.js';
import { atomicReplayDetection } from './replay-cache.js';
import { deviceFlowFeature } from './device-flow.js';
import { recordSessionDevices } from './session-devices.js';
import { endUpstreamSession } from './broker-sessions.js';
import { skipStacksOfProtocolRefusals } from './protocol-error-stacks.js';

export interface ProviderDeps {
  issuer: string;
  storage: Storage;
  services: Services;
  logger: Logger;
  signingKeys: JWK[];
  cookieSecrets: string[];
  secureCookies: boolean;
  trustProxy: boolean;
  proxyHops: number;
  /** Derives the pairwise subject salt (pairwise.ts). */
  pairwiseSecret: Buffer;
}

function localeOf(ctx: KoaContextWithOIDC) {
  const uiLocales = ctx.oidc?.params?.ui_locales;
  return negotiateLocale(typeof uiLocales === 'string' ? uiLocales : undefined, ctx.get('accept-language'));
}

/** The app's tenant limit (and the tenant the request names), for the sign-in rules. */
function audienceOf(client: { metadata(): Record<string, unknown> } | undefined, requestedTenantId?: string): SignInAudience {
  return { clientTenantIds: client ? clientRules(client).tenantIds : [], requestedTenantId };
}

/** The account behind a session or token, with its tenant, while it may still be used by this client. */
async function accountUsable(
  services: Services,
  accountId: string,
  client: { metadata(): Record<string, unknown> } | undefined,
  requestedTenantId?: string,
) {
  const eligibility = await services.eligibility.check(accountId, audienceOf(client, requestedTenantId), 'session');
  return eligibility.ok ? eligibility : null;
}

/**
 * The login prompt is also requested when an existing session's account can no longer be
 * used (locked, disabled, deleted), belongs to a tenant this client does not admit, or not
 * to the tenant the request names.
 */
function loginPolicy(deps: ProviderDeps) {
  // Both checks need the session's account; it is looked up once per request.
  const looked = new WeakMap<object, ReturnType<typeof accountUsable>>();
  const sessionAccount = (ctx: KoaContextWithOIDC, accountId: string) => {
    let found = looked.get(ctx);
    if (!found) {
      const slug = ctx.oidc.params?.tenant;
      found = (async () => {
        const requested = typeof slug === 'string' ? ((await deps.services.tenants.findBySlug(slug))?.id ?? '') : undefined;
        return accountUsable(deps.services, accountId, ctx.oidc.client, requested);
      })();
      looked.set(ctx, found);
    }
    return found;
  };

  const policy = interactionPolicy.base();
  policy.get('login')!.checks.add(
    new interactionPolicy.Check('account_unusable', "the session's account cannot be used here", 'login_required', async (ctx) => {
      const { oidc } = ctx;
      if (!oidc.session?.accountId || !oidc.client) return interactionPolicy.Check.NO_NEED_TO_PROMPT;
      return (await sessionAccount(ctx, oidc.session.accountId))
        ? interactionPolicy.Check.NO_NEED_TO_PROMPT
        : interactionPolicy.Check.REQUEST_PROMPT;
    }),
  );
  policy.get('login')!.checks.add(
    new interactionPolicy.Check('second_factor_required', 'a second factor is required', 'login_required', async (ctx) => {
      const { oidc } = ctx;
      if (!oidc.session?.accountId) return interactionPolicy.Check.NO_NEED_TO_PROMPT;
      const usable = await sessionAccount(ctx, oidc.session.accountId);
      if (!usable) return interactionPolicy.Check.REQUEST_PROMPT;
      const asked = ((oidc.params?.acr_values as string | undefined) ?? '').split(' ').includes(ACR_MFA);
      return sessionNeedsSecondFactor(usable.account, usable.tenant, oidc.session.acr === ACR_MFA, asked)
        ? interactionPolicy.Check.REQUEST_PROMPT
        : interactionPolicy.Check.NO_NEED_TO_PROMPT;
    }),
  );
  return policy;
}

/**
 * Puts the requested scopes on a person's grant, except `admin`, which only client
 * credentials and the built-in console (`idp-console`) carry: for any other client it is
 * recorded as refused, so it never reaches a user's token and the consent prompt does not ask
 * for it again. Returns the scopes granted.
 */
export function grantScopes(
  grant: { clientId?: string; addOIDCScope(scope: string): void; rejectOIDCScope(scope: string): void },
  scope: string | string[],
): string[] {
  const requested = (Array.isArray(scope) ? scope : scope.split(' ')).filter(Boolean);
  const adminAllowed = grant.clientId !== undefined && mayGrantAdminScope(grant.clientId);
  const granted = requested.filter((s) => s !== ADMIN_SCOPE || adminAllowed);
  if (granted.length) grant.addOIDCScope(granted.join(' '));
  if (granted.length < requested.length) grant.rejectOIDCScope(ADMIN_SCOPE);
  return granted;
}

export function createProvider(deps: ProviderDeps): Provider {
  skipStacksOfProtocolRefusals();
  const { services, logger } = deps;

  const oauth = oauthConfiguration(services, deps.pairwiseSecret);
  const configuration: Configuration = {
    ...oauth,
    adapter: createAdapterClass(deps.storage.oidc, deps.storage.clients, (client) => services.clients.openSecret(client)),
    jwks: { keys: deps.signingKeys as never },
    cookies: {
      keys: deps.cookieSecrets,
      long: { httpOnly: true, sameSite: 'lax', secure: deps.secureCookies, signed: true },
      short: { httpOnly: true, sameSite: 'lax', secure: deps.secureCookies, signed: true },
    },
    routes: ROUTES,
    scopes: ['openid', 'offline_access', 'profile', 'email', ADMIN_SCOPE],
    claims: { openid: ['sub', 'tenant', 'amr', 'acr'], profile: ['name'], email: ['email'] },
    // The `tenant` claim is ours and every relying app needs it in the ID token itself.
    conformIdTokenClaims: false,
    extraParams: ['tenant'],
    acrValues: [ACR_PASSWORD, ACR_MFA],
    // 'none' only for our own "My profile" client, which needs the session and nothing else.
    responseTypes: ['code', 'none'],
    clients: [profileClientMetadata(deps.issuer), consoleClientMetadata(deps.issuer)],
    clientDefaults: {
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      id_token_signed_response_alg: 'RS256',
      token_endpoint_auth_method: 'client_secret_basic',
    },
    extraClientMetadata: {
      properties: [...EXTRA_CLIENT_METADATA],
    },
    allowOmittingSingleRegisteredRedirectUri: false,
    // OAuth 2.1: every code flow uses PKCE (S256 only, oidc-provider's default), unless an
    // administrator turned it off for one legacy confidential client.
    pkce: { required: (_ctx, client) => client.clientAuthMethod === 'none' || clientRules(client).requirePkce },
    features: {
      ...oauth.features,
      devInteractions: { enabled: false },
      introspection: {
        enabled: true,
        // A client may introspect tokens issued to itself, and an API's introspecting client that API's.
        allowedPolicy: introspectionAllowed,
      },
      revocation: {
        enabled: true,
        // A client may only revoke tokens issued to itself.
        allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId,
      },
      // Logout tokens are queued and sent by BackchannelLogoutWorker (backchannel-logout.ts).
      backchannelLogout: { enabled: true },
      deviceFlow: deviceFlowFeature(services),
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx, form) => {
          ctx.type = 'html';
          ctx.body = logoutPage(localeOf(ctx), form);
        },
        postLogoutSuccessSource: async (ctx) => {
          ctx.type = 'html';
          ctx.body = loggedOutPage(localeOf(ctx));
        },
      },
    },
    // Front-channel logout is ours (frontchannel-logout.ts): oidc-provider 9 does not advertise it.
    discovery: { frontchannel_logout_supported: true, frontchannel_logout_session_supported: true },
    interactions: {
      url: (_ctx, interaction) => `${INTERACTION_PATH}/${interaction.uid}`,
      policy: loginPolicy(deps),
    },
    ttl: tokenLifetimes(),
    rotateRefreshToken: true,
    issueRefreshToken: async (_ctx, client, code) => client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access'),
    // First-party apps are ours: they get what they ask for without a consent page.
    loadExistingGrant: async (ctx) => {
      const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session!.grantIdFor(ctx.oidc.client!.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      if (!clientRules(ctx.oidc.client!).firstParty) return undefined;
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client!.clientId, accountId: ctx.oidc.session!.accountId });
      grantScopes(grant, (ctx.oidc.params?.scope as string | undefined) ?? 'openid');
      await grant.save();
      return grant;
    },
    // Called for every code exchange, refresh and userinfo: a locked, disabled or deleted
    // account, or one the client no longer admits, stops there.
    findAccount: async (ctx, sub, token) => {
      const usable = await accountUsable(services, sub, ctx.oidc?.client);
      if (!usable) return undefined;
      const { account, tenant } = usable;
      if (token?.kind === 'RefreshToken' && !refreshAllowed(tenant, (token as { acr?: string }).acr === ACR_MFA)) return undefined;
      return {
        accountId: account.id,
        // Read by the tenant claim of the tokens this request issues (token-claims.ts), so it need not load them again.
        tenantSlug: tenant.slug,
        claims: async () => ({ sub: account.id, tenant: tenant.slug, email: account.email ?? undefined, name: account.name ?? undefined }),
      };
    },
    renderError: async (ctx, out) => {
      ctx.type = 'html';
      ctx.body = errorPage(localeOf(ctx), providerErrorMessage(out.error), out.error);
    },
  };

  const provider = new Provider(deps.issuer, configuration);
  provider.proxy = deps.trustProxy;
  provider.maxIpsCount = deps.proxyHops;
  compareHashedClientSecrets(provider);
  cacheClientLookups(provider, deps.storage.clients);
  atomicReplayDetection(provider, deps.storage.oidc);
  auditProtocolRefusals(provider, services, logger);
  recordSessionDevices(provider, deps.storage.oidc, logger);

  provider.on('end_session.success', (ctx: KoaContextWithOIDC) => {
    const accountId = ctx.oidc.session?.accountId;
    if (accountId)
      void endUpstreamSession({ payloads: deps.storage.oidc, services, logger }, accountId).catch((error: unknown) =>
        logger.error({ err: error }, 'could not end the upstream session'),
      );
    void (accountId ? services.accounts.findById(accountId) : Promise.resolve(null))
      .then((account) =>
        services.audit.record({
          tenantId: account?.tenantId ?? null,
          actor: accountId ? { type: 'user', id: accountId } : { type: 'anonymous' },
          action: 'logout',
          target: accountId ? { type: 'account', id: accountId } : null,
          origin: requestOrigin(ctx),
          details: { clientId: ctx.oidc.client?.clientId ?? null },
        }),
      )
      .catch((error: unknown) => logger.error({ err: error }, 'could not record logout'));
  });
  provider.on('server_error', (_ctx: unknown, error: Error) => logger.error({ err: error }, 'oidc-provider server error'));
  return provider;
}
