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
import { createServices, startupChecks, type Services } from './services.js';
import { loadKeyMaterial } from './oidc/keys.js';
import { withHashedIds } from './oidc/hashed-ids.js';
import { authorizationRequestLimits } from './oidc/authorization-limits.js';
import { createProvider } from './oidc/provider.js';
import { RETIRED_KEY_GRACE_SECONDS } from './config/defaults.js';
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
import { publicDocumentCache } from './web/document-cache.js';
import { issuerHost } from './web/issuer-host.js';
import { allowAnyFormAction, securityHeaders } from './web/security-headers.js';
import { STYLESHEET } from './web/stylesheet.js';
import { answerUnavailable } from './web/unavailable.js';
import { drain } from './web/drain.js';
import { exposedDataPaths } from './files/data-dir.js';
import { Throttle } from './throttle/throttle.js';

const PURGE_INTERVAL_MS = 10 * 60 * 1000;
/** How long caches may keep discovery and the JWKS: a new signing key is seen within this. */
const PUBLIC_DOCUMENT_MAX_AGE_SECONDS = 300;
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
  /** The time the tenant lifecycle sees (grace periods, purges); tests move it forward. */
  clock?: () => Date;
}

export async function createIdp(settings: Settings, options: IdpOptions = {}): Promise<Idp> {
  const logger = options.logger ?? createLogger(settings.logLevel);
  const { signingKeys, cookieSecrets, tokenIdKey } = await loadKeyMaterial(settings, RETIRED_KEY_GRACE_SECONDS, logger);
  const storage = withHashedIds(await openStorage(settings), tokenIdKey);
  const services = createServices(storage, settings, logger, { upstreamFetch: options.upstreamFetch, clock: options.clock });
  try {
    await startupChecks(services);
  } catch (error) {
    await storage.close();
    throw error;
  }
  for (const exposed of exposedDataPaths(settings.dataDir)) {
    logger.warn(exposed, 'readable by other users of this machine, and it holds sessions, tokens or keys: chmod 700 directories, chmod 600 files');
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
  });
  if (secure && !settings.tlsCertFile && !settings.trustProxy) {
    logger.warn('ISSUER is https but this server speaks plain HTTP and TRUST_PROXY is false: secure cookies will be refused. Set TRUST_PROXY=true behind a TLS proxy.');
  }

  // oidc-provider runs mounted inside this app and signs its cookies with this app's keys.
  // Only the right-most proxyHops entries of X-Forwarded-For are trusted; the rest is client-controlled.
  const app = new Koa({ proxy: settings.trustProxy, maxIpsCount: settings.proxyHops, keys: cookieSecrets });
  app.on('error', (error: Error) => logger.error({ err: error }, 'request failed'));
  if (logger.isLevelEnabled('debug')) {
    app.use(async (ctx, next) => {
      const started = performance.now();
      await next();
      logger.debug({ method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(performance.now() - started) }, 'request');
    });
  }
  app.use(answerUnavailable);
  app.use(securityHeaders({ https: secure }));
  // Orchestrators probe by whatever name reaches the container; every other route sees only the issuer's host.
  const health = healthRoutes(storage);
  app.use(health.routes());
  app.use(health.allowedMethods());
  app.use(issuerHost({ issuer: settings.issuer, allowedHosts: settings.allowedHosts }));
  // Answered from memory before any other route; the provider computes them once.
  const publicDocuments = publicDocumentCache(['/.well-known/openid-configuration', ROUTES.jwks], PUBLIC_DOCUMENT_MAX_AGE_SECONDS);
  app.use(publicDocuments);
  if (!settings.trustProxy) {
    let warned = false;
    app.use(async (ctx, next) => {
      if (!warned && ctx.get('x-forwarded-for')) {
        warned = true;
        logger.warn('requests carry X-Forwarded-For but TRUST_PROXY is false: behind a proxy every client shares its address, for throttling and the audit trail');
      }
      await next();
    });
  }
  app.use(async (ctx, next) => {
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
    [[ADMIN_PREFIX], [adminApi({
      issuer: settings.issuer, provider, services, clients: storage.clients, maxBodyBytes: settings.maxBodyBytes, auditAnchorFile: settings.auditAnchorFile,
    })]],
    [[INTERACTION_PATH, FEDERATION_PATH], interactionRoutes({
      provider, services, flows: new LoginFlowStore(storage.oidc), payloads: storage.oidc, issuer: settings.issuer, maxBodyBytes: settings.maxBodyBytes,
    })],
    [[SET_PASSWORD_PATH], [linkRoutes({ provider, services, payloads: storage.oidc, csrfSecret: cookieSecrets[0]!, maxBodyBytes: settings.maxBodyBytes })]],
    [[PROFILE_PATH], [profileRoutes({
      issuer: settings.issuer, provider, services, payloads: storage.oidc, csrfSecret: cookieSecrets[0]!, maxBodyBytes: settings.maxBodyBytes,
    })]],
  ];
  for (const [paths, routers] of routeGroups) app.use(onlyUnder(paths, routers));
  app.use(async (ctx, next) => {
    allowAnyFormAction(ctx);
    await next();
  });
  app.use(authorizationRequestLimits({
    throttle: new Throttle(storage.rateLimits, { limit: settings.interactionRateLimit, windowSeconds: settings.interactionRateWindowSeconds }),
    maxBytes: settings.maxAuthorizationRequestBytes,
  }));
  app.use(mount(provider as unknown as Koa));

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
  return {
    settings, logger, storage, services, provider, app,
    purgeExpired: (now) => purgeExpired(storage, now),
    async listen() {
      const callback = app.callback();
      // Koa's callback catches its own errors (ctx.onerror), so its promise is safe to drop here.
      const handler: http.RequestListener = (req, res) => void callback(req, res);
      const timeouts = { requestTimeout: REQUEST_TIMEOUT_MS, headersTimeout: HEADERS_TIMEOUT_MS, connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS };
      server = settings.tlsCertFile && settings.tlsKeyFile
        ? https.createServer({
            cert: readFileSync(settings.tlsCertFile),
            key: readFileSync(settings.tlsKeyFile),
            minVersion: 'TLSv1.2',
            ...timeouts,
          }, handler)
        : http.createServer(timeouts, handler);
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(settings.port, resolve);
      });
      const { port } = server.address() as AddressInfo;
      const url = `${settings.tlsCertFile ? 'https' : 'http'}://localhost:${port}`;
      logger.info({ url, issuer: settings.issuer, storage: storage.kind }, 'identity provider listening');
      return url;
    },
    async close() {
      clearInterval(purge);
      clearInterval(anchoring);
      if (server) {
        const { forced } = await drain(server, settings.shutdownTimeoutSeconds * 1000);
        if (forced) logger.warn({ seconds: settings.shutdownTimeoutSeconds }, 'requests still running at the shutdown deadline: their connections were closed');
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
