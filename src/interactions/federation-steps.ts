import { randomBytes } from 'node:crypto';
import Router from '@koa/router';
import type { Context } from 'koa';
import { signInRefusal, tenantRefusal } from '../accounts/sign-in-eligibility.js';
import { FederationRefusal, type Connection } from '../federation/types.js';
import type { Started, UpstreamAnswer } from '../federation/connectors/connector.js';
import { INTERACTION_PATH } from '../oidc/settings.js';
import { FLOW_STATE_TTL_MS } from '../config/defaults.js';
import { upstreamPostPage, upstreamRedirectPage } from '../views/pages.js';
import { allowFormActions } from '../web/security-headers.js';
import { requestOrigin } from '../web/origin.js';
import type { InteractionContext } from './context.js';
import { restartedFlow, type LoginFlow } from './flow.js';
import type { InteractionDeps, InteractionKit } from './kit.js';
import { PageError, renderPageFailures } from '../web/page-error.js';
import { samlEndpoints } from './saml-endpoints.js';
import { rememberSamlSignIn } from './saml-logout.js';
import { grandidCallbackPath } from '../federation/service.js';
import type { MessageId } from '../i18n/messages.js';
import { rememberUpstreamSession } from '../oidc/broker-sessions.js';

/** The broker's outcomes the person caused or can act on get their own page; every other refusal the same one. */
const EID_PAGES: Record<string, MessageId> = {
  cancelled: 'eid.cancelled',
  expired: 'eid.expired',
  already_in_progress: 'eid.already_in_progress',
  failed: 'eid.failed',
  invalid_session: 'eid.failed',
  broker_error: 'eid.failed',
  invalid_personal_number: 'eid.failed',
};

export const FEDERATION_CALLBACK_PATH = '/federation/callback';

/** Where each kind's upstream sends the browser back to. */
function returnPathOf(connection: Connection): string {
  switch (connection.kind) {
    case 'entra':
    case 'google':
    case 'oidc':
      return FEDERATION_CALLBACK_PATH;
    case 'saml':
      return connection.sp.acsUrl.slice(new URL(connection.sp.acsUrl).origin.length);
    case 'grandid':
      return grandidCallbackPath(connection.id);
  }
}
/** Maps an upstream's correlation key (state, request id, session) back to the sign-in it belongs to; spent on first use. */
const STATE_MODEL = 'FederationState';
/** An upstream's answer, waiting for the sign-in it belongs to; taken once. */
const ANSWER_MODEL = 'FederationAnswer';

/**
 * Sign-in through a tenant's upstream identity provider: start (the kind's connector says
 * where to), the upstream's return (callback or POST, tied to the sign-in by its correlation
 * key in the database, not by a cookie), and finishing in the same browser's sign-in.
 */
export function federationSteps(deps: InteractionDeps & { issuer: string }, kit: InteractionKit) {
  const { services, flows, payloads } = deps;
  const returnUrlOf = (connection: Connection) => `${deps.issuer}${returnPathOf(connection)}`;

  /** A connection this request may use: enabled, of an active tenant the app and request admit. */
  async function usableConnection(ctx: InteractionContext, connectionId: string): Promise<Connection> {
    const connection = await services.connections.findById(connectionId);
    const tenant = connection?.enabled ? await services.tenants.findById(connection.tenantId) : null;
    if (!connection || !tenant || tenantRefusal(tenant, kit.audienceOf(ctx), 'federation')) {
      throw new PageError(400, 'error.generic', 'connection_not_available');
    }
    return connection;
  }

  /** Prepares the upstream request and remembers what its answer must match. */
  async function upstreamRequest(ctx: InteractionContext, connection: Connection, email?: string): Promise<Started> {
    let started;
    try {
      started = await services.upstream.start(connection, { returnUrl: returnUrlOf(connection), hint: { email } });
    } catch (error) {
      if (error instanceof FederationRefusal) {
        await services.audit.record({
          tenantId: connection.tenantId,
          actor: { type: 'anonymous' },
          action: 'login.federated',
          outcome: 'failure',
          reason: error.reason,
          origin: requestOrigin(ctx),
          details: { connectionId: connection.id, kind: connection.kind, detail: error.message },
        });
        throw new PageError(502, 'federation.unavailable', error.reason);
      }
      throw error;
    }
    const { correlation, pending } = started;
    await flows.save({
      ...restartedFlow(ctx.state.flow),
      email: email ?? null,
      federation: { connectionId: connection.id, correlation, pending },
    });
    await payloads.upsert(
      STATE_MODEL,
      correlation,
      { uid: ctx.state.interaction.uid, connectionId: connection.id },
      Date.now() + FLOW_STATE_TTL_MS.federationState,
    );
    return started;
  }

  /** Sends the browser upstream: a 303 (or, from a form, a page that moves on by itself), or a form it posts there. */
  function goUpstream(ctx: InteractionContext, connection: Connection, started: Started, page: boolean): void {
    if (started.form) {
      allowFormActions(ctx, [new URL(started.url).origin]);
      ctx.type = 'html';
      ctx.body = upstreamPostPage(ctx.state.locale, started.url, started.form, connection.name);
    } else if (page) {
      ctx.type = 'html';
      ctx.body = upstreamRedirectPage(ctx.state.locale, started.url, connection.name);
    } else {
      ctx.status = 303;
      ctx.redirect(started.url);
    }
  }

  /** From a link or button: straight to the upstream. Only before anyone is signed in in this flow. */
  async function start(ctx: InteractionContext): Promise<void> {
    if (ctx.state.flow.accountId !== null) throw new PageError(400, 'error.session_expired', 'flow_step_invalid');
    const connection = await usableConnection(ctx, (ctx.params as { connectionId?: string }).connectionId ?? '');
    goUpstream(ctx, connection, await upstreamRequest(ctx, connection), false);
  }

  /** From the e-mail form, when the e-mail's domain has an upstream: a page that moves on by itself. */
  async function startForEmail(ctx: InteractionContext, email: string): Promise<boolean> {
    const realm = await services.homeRealm.forEmail(email, ctx.state.requestedTenant);
    if (!realm || tenantRefusal(realm.tenant, kit.audienceOf(ctx), 'federation')) return false;
    goUpstream(ctx, realm.connection, await upstreamRequest(ctx, realm.connection, email), true);
    return true;
  }

  /** The app named a tenant that signs in only upstream: skip our pages. */
  async function startForTenant(ctx: InteractionContext): Promise<boolean> {
    const tenant = ctx.state.requestedTenant;
    if (!tenant || tenant.passwordsAllowed || ctx.state.flow.federation) return false;
    if (tenantRefusal(tenant, kit.audienceOf(ctx), 'federation')) return false;
    const [connection] = await services.connections.enabledFor(tenant.id);
    if (!connection) return false;
    goUpstream(ctx, connection, await upstreamRequest(ctx, connection), false);
    return true;
  }

  /**
   * An upstream's answer arrived (in any browser, with or without our cookies): its correlation
   * key, spent here, names the sign-in; the answer waits in the database for that browser.
   */
  async function answered(ctx: Context, correlation: string, answer: UpstreamAnswer, connectionId?: string): Promise<void> {
    const record = correlation ? await payloads.find(STATE_MODEL, correlation) : undefined;
    const known = record && typeof record.uid === 'string' && (connectionId === undefined || record.connectionId === connectionId);
    const spent = known ? await payloads.consume(STATE_MODEL, correlation, Date.now()) : false;
    if (!known || !spent) {
      await services.audit.record({
        actor: { type: 'anonymous' },
        action: 'login.federated',
        outcome: 'failure',
        reason: known ? 'state_replayed' : 'unknown_state',
        origin: requestOrigin(ctx),
        details: connectionId ? { connectionId } : {},
      });
      throw new PageError(400, 'error.session_expired', 'federation_state_invalid');
    }
    const handle = randomBytes(24).toString('base64url');
    await payloads.upsert(ANSWER_MODEL, handle, { correlation, answer: answer as never }, Date.now() + FLOW_STATE_TTL_MS.federationAnswer);
    ctx.status = 303;
    ctx.redirect(`${INTERACTION_PATH}/${record.uid as string}/federation-return?answer=${handle}`);
  }

  /** OpenID Connect upstreams return here (one registered redirect URI). */
  async function callback(ctx: Context): Promise<void> {
    const query = Object.fromEntries(Object.entries(ctx.query).filter((e): e is [string, string] => typeof e[1] === 'string'));
    await answered(ctx, query.state ?? '', { query, form: {} });
  }

  /** Back in the sign-in: verify the upstream's answer against this flow, then find the account. */
  async function complete(ctx: InteractionContext): Promise<void> {
    const { flow } = ctx.state;
    const pending = flow.federation;
    const handle = typeof ctx.query.answer === 'string' ? ctx.query.answer : '';
    const stored = handle ? await payloads.find(ANSWER_MODEL, handle) : undefined;
    const taken = stored ? await payloads.consume(ANSWER_MODEL, handle, Date.now()) : false;
    if (!pending || !stored || !taken || stored.correlation !== pending.correlation) {
      throw new PageError(400, 'error.session_expired', 'federation_state_mismatch');
    }
    await flows.save({ ...flow, federation: null });
    const connection = await services.connections.findById(pending.connectionId);
    const tenant = connection ? await services.tenants.findById(connection.tenantId) : null;
    if (!connection || !tenant) throw new PageError(400, 'error.generic', 'connection_not_available');

    let person: string | undefined;
    const refuse = async (reason: string, accountId: string | null = null, detail: string | null = null) => {
      await services.audit.record({
        tenantId: tenant.id,
        actor: accountId ? { type: 'user', id: accountId } : { type: 'anonymous' },
        action: 'login.federated',
        outcome: 'failure',
        reason,
        target: accountId ? { type: 'account', id: accountId } : null,
        origin: requestOrigin(ctx),
        details: {
          connectionId: connection.id,
          kind: connection.kind,
          clientId: ctx.state.client.clientId,
          detail,
          ...(person ? { person } : {}),
        },
      });
      // The reason stays in the audit trail: the page does not tell whether an account exists or in what state.
      const page = connection.kind === 'grandid' ? EID_PAGES[reason] : undefined;
      throw new PageError(403, page ?? 'federation.refused', 'federation_refused');
    };
    const tenantRefused = tenantRefusal(tenant, kit.audienceOf(ctx), 'federation');
    if (tenantRefused) return refuse(tenantRefused);
    try {
      const identity = await services.upstream.finish(connection, tenant, stored.answer as unknown as UpstreamAnswer, pending.pending);
      person = identity.display;
      const { account, resolution } = await services.federatedSignIn.resolve(connection, tenant, identity);
      if (resolution !== 'linked') {
        await services.audit.record({
          tenantId: tenant.id,
          actor: { type: 'system' },
          action: resolution === 'created' ? 'account.created_jit' : 'account.identity_linked',
          target: { type: 'account', id: account.id },
          origin: requestOrigin(ctx),
          details: { connectionId: connection.id, kind: connection.kind, subject: identity.subject, ...(person ? { person } : {}) },
        });
      }
      const refused = signInRefusal(account, tenant, kit.audienceOf(ctx), 'federation', new Date());
      if (refused)
        return refuse(refused === 'account_not_usable' && account.state === 'locked' ? 'account_locked' : 'account_not_active', account.id);
      if (identity.brokerSession) await rememberUpstreamSession(payloads, account.id, connection.id, identity.brokerSession);
      // A fresh flow: nothing proved earlier in this browser's flow (a second factor of another account) carries over.
      const next: LoginFlow = {
        ...restartedFlow(ctx.state.flow),
        firstFactor: 'fed',
        upstream: { connectionId: connection.id, kind: connection.kind, ...(person ? { person } : {}) },
        email: account.email,
        verifiedAccountIds: [account.id],
      };
      ctx.state.flow = next;
      await rememberSamlSignIn(ctx, deps, connection, account.id, identity.upstreamSession);
      await kit.continueAs(ctx, next, account, identity.upstreamMfa && connection.trustUpstreamMfa);
    } catch (error) {
      if (error instanceof FederationRefusal) return refuse(error.reason, null, error.message);
      throw error;
    }
  }

  const callbackRouter = new Router();
  callbackRouter.get(FEDERATION_CALLBACK_PATH, renderPageFailures(), callback);
  callbackRouter.use(samlEndpoints(deps, answered).routes());
  // GrandID sends the browser back with ?grandidsession=<id>: the session id is the correlation key, for this connection only.
  callbackRouter.get(grandidCallbackPath(':connectionId'), renderPageFailures(), async (ctx) => {
    const sessionId = typeof ctx.query.grandidsession === 'string' ? ctx.query.grandidsession : '';
    const connectionId = (ctx.params as { connectionId: string }).connectionId;
    await answered(ctx, sessionId, { query: { grandidsession: sessionId }, form: {} }, connectionId);
  });
  return { start, startForEmail, startForTenant, complete, answered, callbackRouter };
}
