import { samlSignOut } from './interactions/saml-logout.js';
import { AUTO_SUBMIT_SCRIPT, AUTO_SUBMIT_SCRIPT_PATH } from './views/pages.js';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import mount from 'koa-mount';
import type Router from '@koa/router';
import type Provider from 'oidc-provider';
import type { Settings } from './config/settings.js';
import { createLogger, type Logger } from './log/logger.js';
import { openStorage } from './storage/open.js';
import type { Storage } from './storage/port.js';
import { purgeExpired } from './storage/purge.js';
import { refreshDueSamlMetadata } from './federation/saml-metadata-refresh.js';
import { createServices, openCipher, startupChecks, type Services } from './services.js';
import { loadKeyMaterial, readSigningKeys, type KeyMaterial } from './oidc/keys.js';
import { StoreKeys } from './keys/store-keys.js';
import { KeyWatcher } from './keys/live-keys.js';
import { publishedKeys } from './keys/key-set.js';
import { Metrics } from './metrics/metrics.js';
import { requestIdOf, requestIds } from './log/request-context.js';
import { listenMetrics, metricsRoute, requestTiming, withAuditMetrics } from './metrics/routes.js';
import type { StoredKey } from './oidc/key-files.js';
import { withHashedIds } from './oidc/hashed-ids.js';
import { withRememberedTokens } from './oidc/remembered-tokens.js';
import { authorizationRequestLimits } from './oidc/authorization-limits.js';
import { createProvider } from './oidc/provider.js';
import { startBackchannelLogouts } from './oidc/backchannel-logout.js';
import { frontchannelLogout } from './oidc/frontchannel-logout.js';
import { deviceCodeEntryLimit } from './oidc/device-flow.js';
import { DEVICE_FLOW, PUBLIC_DOCUMENT_MAX_AGE_SECONDS, RETIRED_KEY_GRACE_SECONDS } from './config/defaults.js';
import { FEDERATION_PATH, INTERACTION_PATH } from './oidc/settings.js';
import { ROUTES } from './oidc/settings.js';
import { LoginFlowStore } from './interactions/flow.js';
import { interactionRoutes } from './interactions/routes.js';
import { adminApi } from './admin/index.js';
import { adminOperations } from './operations/index.js';
import { healthRoutes } from './health/routes.js';
import { profileRoutes } from './profile/routes.js';
import { PROFILE_PATH } from './profile/session.js';
import { SET_PASSWORD_PATH } from './links/account-links.js';
import { ADMIN_PREFIX } from './admin/openapi.js';
import { linkRoutes } from './set-password/routes.js';
import { CONSOLE_PATH, createConsole } from './console/index.js';
import { publicDocumentCache } from './web/document-cache.js';
import { acceptedHost, issuerHost, issuerPin } from './web/issuer-host.js';
import { machineLane } from './web/machine-lane.js';
import { allowAnyFormAction, apiSecurityHeaderList, securityHeaderList, securityHeaders } from './web/security-headers.js';
import { STYLESHEET } from './web/stylesheet.js';
import { answerUnavailable } from './web/unavailable.js';
import { drain } from './web/drain.js';
import { exposedDataPaths } from './files/data-dir.js';
import { Throttle } from './throttle/throttle.js';
import { lowerThreadPoolPriority } from './web/thread-priority.js';

const PURGE_INTERVAL_MS = 10 * 60 * 1000;
/**
 * Paths exactly as sent that take the machine lane (listen). Any other spelling oidc-provider would
 * also route there (`/Token`, `/token/`) simply takes the whole app, whose extra steps pass it by.
 */
const MACHINE_ROUTES = new Set<string>([
  ROUTES.token,
  ROUTES.introspection,
  ROUTES.revocation,
  ROUTES.userinfo,
  ROUTES.pushed_authorization_request,
  ROUTES.device_authorization,
]);
/** A client must send its whole request within this, its headers within the shorter one. */
const REQUEST_TIMEOUT_MS = 30_000;
const HEADERS_TIMEOUT_MS = 15_000;
/** How often Node looks for requests past those timeouts. */
const TIMEOUT_CHECK_INTERVAL_MS = 5_000;

export interface Idp {
  readonly settings: Settings;
  readonly logger: Logger;
  readonly storage: Storage;
  readonly services: Services;
  readonly provider: Provider;
  readonly app: Koa;
  /** Polls the key set; `tick()` checks at once (tests). */
  readonly keyWatcher: KeyWatcher;
  readonly metrics: Metrics;
  /** The METRICS_PORT listener's URL, once listening (undefined without METRICS_PORT). */
  readonly metricsUrl: string | undefined;
  /** Listens on settings.port (0: any free port); resolves with the bound URL. */
  listen(): Promise<string>;
  /** Stops accepting requests, lets running ones finish (for up to SHUTDOWN_TIMEOUT_SECONDS), closes the store. */
  close(): Promise<void>;
  /** What the periodic purge does, now or as if at `now` (epoch ms). */
  purgeExpired(now?: number): ReturnType<typeof purgeExpired>;
}

export interface IdpOptions {
  logger?: Logger;
  /** How upstream identity providers are reached; the default is the network. */
  upstreamFetch?: typeof fetch;
  /** The time the tenant lifecycle (grace periods, purges) and support grants (expiry) see; tests move it forward. */
  clock?: () => Date;
}

/**
 * Signing keys and secrets: from the store (KEY_STORE=database, the default with MongoDB; the
 * first start imports KEYS_DIR files or generates them) or from KEYS_DIR files (one node).
 * Either way the signing keys are read again every KEYS_POLL_INTERVAL_MS (KeyWatcher).
 */
async function keyMaterial(
  settings: Settings,
  store: Storage,
  logger: Logger,
): Promise<{ material: KeyMaterial; loadSigning: () => Promise<StoredKey[]> }> {
  if (settings.keyStore === 'files') {
    const material = await loadKeyMaterial(settings, RETIRED_KEY_GRACE_SECONDS, logger);
    return { material, loadSigning: async () => readSigningKeys(settings.keysDir) };
  }
  const keys = new StoreKeys(store.keys, openCipher(settings, logger));
  const { generated, imported } = await keys.ensure(settings.keysDir);
  if (generated.length > 0) logger.warn({ generated }, 'generated new keys in the store (first start)');
  if (imported.length > 0)
    logger.warn(
      { imported, keysDir: settings.keysDir },
      'imported KEYS_DIR files into the store; from now on the store is used and the files may be moved away',
    );
  const stored = await keys.signingKeys();
  return {
    material: {
      signingKeys: publishedKeys(stored, new Date(), RETIRED_KEY_GRACE_SECONDS),
      cookieSecrets: await keys.cookieSecrets(),
      tokenIdKey: await keys.tokenIdKey(),
    },
    loadSigning: () => keys.signingKeys(),
  };
}

export async function createIdp(settings: Settings, options: IdpOptions = {}): Promise<Idp> {
  const logger = options.logger ?? createLogger(settings.logLevel);
  const metrics = new Metrics();
  const opened = withAuditMetrics(await openStorage(settings), metrics);
  let material: KeyMaterial;
  let loadSigning: () => Promise<StoredKey[]>;
  let storage: Storage;
  let services: Services;
  try {
    ({ material, loadSigning } = await keyMaterial(settings, opened, logger));
    storage = withRememberedTokens(withHashedIds(opened, material.tokenIdKey));
    services = createServices(storage, settings, logger, { upstreamFetch: options.upstreamFetch, clock: options.clock });
    await startupChecks(services);
  } catch (error) {
    await opened.close();
    throw error;
  }
  const { signingKeys, cookieSecrets } = material;
  for (const exposed of exposedDataPaths(settings.dataDir)) {
    logger.warn(
      exposed,
      'readable by other users of this machine, and it holds sessions, tokens or keys: chmod 700 directories, chmod 600 files',
    );
  }
  const secure = settings.issuer.startsWith('https://');

  const provider = createProvider({
    issuer: settings.issuer,
    storage,
    services,
    logger,
    signingKeys,
    cookieSecrets,
    secureCookies: secure,
    trustProxy: settings.trustProxy,
    proxyHops: settings.proxyHops,
    pairwiseSecret: material.tokenIdKey,
  });
  if (secure && !settings.tlsCertFile && !settings.trustProxy) {
    logger.warn(
      'ISSUER is https but this server speaks plain HTTP and TRUST_PROXY is false: secure cookies will be refused. Set TRUST_PROXY=true behind a TLS proxy.',
    );
  }

  // Koa reports errors after the request's own context ended: the id is taken from the response.
  const logErrors = (koa: Koa) =>
    koa.on('error', (error: Error, ctx?: Koa.Context) =>
      logger.error({ err: error, requestId: ctx?.response.get('X-Request-Id') || undefined }, 'request failed'),
    );
  // oidc-provider runs mounted inside this app and signs its cookies with this app's keys.
  // Only the right-most proxyHops entries of X-Forwarded-For are trusted; the rest is client-controlled.
  const app = new Koa({ proxy: settings.trustProxy, maxIpsCount: settings.proxyHops, keys: cookieSecrets });
  logErrors(app);
  const identified = requestIds({ trustProxy: settings.trustProxy });
  const logRequests = logger.isLevelEnabled('debug');
  const served = (path: string, method: string, status: number, seconds: number) => {
    metrics.request(path, method, status, seconds);
    if (logRequests) logger.debug({ method, path, status, ms: Math.round(seconds * 1000) }, 'request');
  };
  const timed = requestTiming(served);
  const headed = securityHeaders(securityHeaderList({ https: secure }));
  const hosts = { issuer: settings.issuer, allowedHosts: settings.allowedHosts };
  const hostAccepted = acceptedHost(hosts);
  const pinned = issuerHost(hosts, hostAccepted);
  let warnedForwarded = false;
  const warnForwarded = settings.trustProxy
    ? undefined
    : (req: http.IncomingMessage) => {
        if (!warnedForwarded && req.headers['x-forwarded-for']) {
          warnedForwarded = true;
          logger.warn(
            'requests carry X-Forwarded-For but TRUST_PROXY is false: behind a proxy every client shares its address, for throttling and the audit trail',
          );
        }
      };
  const providerForms: Koa.Middleware = (ctx, next) => {
    allowAnyFormAction(ctx);
    return next();
  };
  // On the provider's own app too, for the machine lane below (in this app it is already outside).
  provider.use(answerUnavailable);
  logErrors(provider as unknown as Koa);
  const providerRoutes = mount(provider as unknown as Koa);

  app.use(identified);
  app.use(timed);
  app.use(answerUnavailable);
  app.use(metricsRoute(metrics, settings.metricsToken));
  app.use(headed);
  /** Set when close begins: readiness says so from then on. */
  let draining = false;
  // Orchestrators probe by whatever name reaches the container; every other route sees only the issuer's host.
  app.use(onlyUnder(['/healthz', '/readyz'], [healthRoutes(storage, () => draining)]));
  app.use(pinned);
  // The provider computes them once; from then on they are answered before koa (see listen), and
  // here, right after the host check, for requests that path does not take.
  const publicDocuments = publicDocumentCache(['/.well-known/openid-configuration', ROUTES.jwks], PUBLIC_DOCUMENT_MAX_AGE_SECONDS, {
    headers: securityHeaderList({ https: secure }),
    acceptedHost: hostAccepted,
    requestId: (req) => requestIdOf(req.headers['x-request-id'], settings.trustProxy),
    served,
  });
  app.use(publicDocuments);
  if (warnForwarded)
    app.use((ctx, next) => {
      warnForwarded(ctx.req);
      return next();
    });
  app.use(async (ctx, next) => {
    if (ctx.path === AUTO_SUBMIT_SCRIPT_PATH) {
      ctx.type = 'text/javascript';
      ctx.set('Cache-Control', 'public, max-age=3600');
      ctx.body = AUTO_SUBMIT_SCRIPT;
      return;
    }
    if (ctx.path !== '/assets/idp.css') {
      await next();
      return;
    }
    ctx.type = 'text/css';
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.body = STYLESHEET;
  });
  // Each group of routes runs only for requests under its paths, so the provider's endpoints
  // (token, introspection, userinfo) do not pay for matching every page route.
  const routeGroups: [string[], Router[]][] = [
    [
      [ADMIN_PREFIX],
      [
        adminApi({
          issuer: settings.issuer,
          provider,
          services,
          clients: storage.clients,
          maxBodyBytes: settings.maxBodyBytes,
          auditAnchorFile: settings.auditAnchorFile,
        }),
      ],
    ],
    [
      [INTERACTION_PATH, FEDERATION_PATH],
      interactionRoutes({
        provider,
        services,
        flows: new LoginFlowStore(storage.oidc),
        payloads: storage.oidc,
        issuer: settings.issuer,
        maxBodyBytes: settings.maxBodyBytes,
      }),
    ],
    [
      [SET_PASSWORD_PATH],
      [linkRoutes({ provider, services, payloads: storage.oidc, csrfSecret: cookieSecrets[0]!, maxBodyBytes: settings.maxBodyBytes })],
    ],
    [
      [PROFILE_PATH],
      [
        profileRoutes({
          issuer: settings.issuer,
          provider,
          services,
          payloads: storage.oidc,
          csrfSecret: cookieSecrets[0]!,
          maxBodyBytes: settings.maxBodyBytes,
        }),
      ],
    ],
    // The administration console: pages that call the admin API above, in-process over HTTP, with the person's token.
    [[CONSOLE_PATH], [createConsole({ issuer: settings.issuer, cookieSecrets, app, maxBodyBytes: settings.maxBodyBytes })]],
  ];
  for (const [paths, routers] of routeGroups) app.use(onlyUnder(paths, routers));
  app.use(providerForms);
  app.use(
    authorizationRequestLimits({
      throttle: new Throttle(storage.rateLimits, {
        limit: settings.interactionRateLimit,
        windowSeconds: settings.interactionRateWindowSeconds,
      }),
      maxBytes: settings.maxAuthorizationRequestBytes,
    }),
  );
  app.use(
    deviceCodeEntryLimit({
      services,
      sessionCookie: provider.cookieName('session'),
      throttle: new Throttle(storage.rateLimits, { limit: DEVICE_FLOW.entriesPerWindow, windowSeconds: DEVICE_FLOW.entryWindowSeconds }),
    }),
  );
  // Outside SAML sign-out: the iframes are shown first, then the browser goes on to the IdP.
  app.use(frontchannelLogout(provider, settings.issuer));
  app.use(samlSignOut({ provider, services, payloads: storage.oidc, logger }));
  app.use(providerRoutes);
  const machineRequest = machineLane(provider as unknown as Koa, {
    paths: MACHINE_ROUTES,
    trustProxy: settings.trustProxy,
    acceptedHost: hostAccepted,
    pin: issuerPin(settings.issuer),
    headers: apiSecurityHeaderList({ https: secure }),
    inspect: warnForwarded,
    served,
  });
  const backchannelLogouts = startBackchannelLogouts({
    provider,
    sessions: services.sessions,
    deliveries: storage.logoutDeliveries,
    audit: services.audit,
    logger,
    retryDelaysMs: settings.backchannelLogoutRetryDelaysMs,
  });

  provider.on('grant.success', (ctx: { oidc?: { params?: { grant_type?: unknown } } }) =>
    metrics.tokenIssued(ctx.oidc?.params?.grant_type),
  );

  const keyWatcher = new KeyWatcher({
    provider,
    load: loadSigning,
    graceSeconds: RETIRED_KEY_GRACE_SECONDS,
    intervalMs: settings.keysPollIntervalMs,
    logger,
    initial: signingKeys,
    // The cached discovery and JWKS are built from the keys: dropped, and once more a moment later
    // in case a request that read the old keys just before the swap stored its answer after it.
    onChange: () => {
      publicDocuments.invalidate();
      setTimeout(() => publicDocuments.invalidate(), 1000).unref();
    },
  });
  keyWatcher.start();
  void keyWatcher.tick();
  metrics.keyAges(() => keyWatcher.statuses);

  const purge = setInterval(() => {
    Promise.all([
      purgeExpired(storage),
      // Tenants whose grace period has passed; each is claimed in the database, so one node purges it.
      services.tenantPurge.purgeDue(),
      refreshDueSamlMetadata({ ...services, logger }),
    ]).catch((error: unknown) => logger.error({ err: error }, 'purge failed'));
  }, PURGE_INTERVAL_MS);
  purge.unref();

  // The head of every chain, logged (and written to AUDIT_ANCHOR_FILE) so a cut-off tail shows.
  const auditAnchors = adminOperations(services, { auditAnchorFile: settings.auditAnchorFile }).audit;
  const anchoring = setInterval(() => {
    auditAnchors.anchor().catch((error: unknown) => logger.error({ err: error }, 'audit anchor failed'));
  }, settings.auditAnchorIntervalSeconds * 1000);
  anchoring.unref();

  let server: http.Server | undefined;
  let metricsServer: http.Server | undefined;
  let metricsUrl: string | undefined;
  return {
    settings,
    logger,
    storage,
    services,
    provider,
    app,
    keyWatcher,
    metrics,
    get metricsUrl() {
      return metricsUrl;
    },
    purgeExpired: (now) => purgeExpired(storage, now),
    async listen() {
      const callback = app.callback();
      // Koa's callback catches its own errors (ctx.onerror), so its promise is safe to drop here.
      const handler: http.RequestListener = (req, res) => {
        if (publicDocuments.answerDirectly(req, res) || machineRequest(req, res)) return;
        void callback(req, res);
      };
      const timeouts = {
        requestTimeout: REQUEST_TIMEOUT_MS,
        headersTimeout: HEADERS_TIMEOUT_MS,
        connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS,
      };
      server =
        settings.tlsCertFile && settings.tlsKeyFile
          ? https.createServer(
              {
                cert: readFileSync(settings.tlsCertFile),
                key: readFileSync(settings.tlsKeyFile),
                minVersion: 'TLSv1.2',
                ...timeouts,
              },
              handler,
            )
          : http.createServer(timeouts, handler);
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(settings.port, resolve);
      });
      if (settings.metricsPort !== undefined) {
        const listening = await listenMetrics(metrics, settings.metricsPort);
        metricsServer = listening.server;
        metricsUrl = listening.url;
        logger.info({ url: listening.url }, 'metrics listening');
      }
      if (settings.hashingThreadNice > 0) {
        const lowered = await lowerThreadPoolPriority(settings.hashingThreadNice);
        logger.debug({ threads: lowered, nice: settings.hashingThreadNice }, 'hashing threads scheduled after the event loop');
      }
      const { port } = server.address() as AddressInfo;
      const url = `${settings.tlsCertFile ? 'https' : 'http'}://localhost:${port}`;
      logger.info({ url, issuer: settings.issuer, storage: storage.kind }, 'identity provider listening');
      return url;
    },
    async close() {
      draining = true;
      if (server && settings.shutdownDelaySeconds > 0) {
        logger.info({ seconds: settings.shutdownDelaySeconds }, 'draining: /readyz answers 503 while requests are still served');
        await new Promise((resolve) => setTimeout(resolve, settings.shutdownDelaySeconds * 1000));
      }
      clearInterval(purge);
      clearInterval(anchoring);
      keyWatcher.stop();
      await backchannelLogouts.stop();
      metricsServer?.closeAllConnections();
      await new Promise((resolve) => (metricsServer ? metricsServer.close(resolve) : resolve(undefined)));
      if (server) {
        const { forced } = await drain(server, settings.shutdownTimeoutSeconds * 1000);
        if (forced)
          logger.warn(
            { seconds: settings.shutdownTimeoutSeconds },
            'requests still running at the shutdown deadline: their connections were closed',
          );
      }
      await storage.close();
    },
  };
}

/** Runs the routers only for requests at or below one of `paths`; others go straight on. */
function onlyUnder(paths: string[], routers: Router[]): Koa.Middleware {
  const chain = routers.flatMap((router) => [router.routes(), router.allowedMethods()]) as unknown as Koa.Middleware[];
  const run = (ctx: Koa.Context, next: Koa.Next, index = 0): Promise<void> =>
    index === chain.length ? next() : Promise.resolve(chain[index]!(ctx, () => run(ctx, next, index + 1)));
  return (ctx, next) => (paths.some((p) => ctx.path === p || ctx.path.startsWith(`${p}/`)) ? run(ctx, next) : next());
}
