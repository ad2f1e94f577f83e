import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import mount from 'koa-mount';
import type Provider from 'oidc-provider';
import type { Settings } from './config/settings.js';
import { createLogger, type Logger } from './log/logger.js';
import { openStorage } from './storage/open.js';
import type { Storage } from './storage/port.js';
import { createServices, type Services } from './services.js';
import { loadCookieSecrets, loadSigningKeys } from './oidc/keys.js';
import { createProvider } from './oidc/provider.js';
import { RETIRED_KEY_GRACE_SECONDS } from './oidc/settings.js';
import { LoginFlowStore } from './interactions/flow.js';
import { interactionRoutes } from './interactions/routes.js';
import { adminApi } from './admin/index.js';
import { healthRoutes } from './health/routes.js';
import { profileRoutes } from './profile/routes.js';
import { linkRoutes } from './set-password/routes.js';
import { allowAnyFormAction, securityHeaders } from './web/security-headers.js';
import { STYLESHEET } from './web/stylesheet.js';

const PURGE_INTERVAL_MS = 10 * 60 * 1000;

export interface Idp {
  readonly settings: Settings;
  readonly logger: Logger;
  readonly storage: Storage;
  readonly services: Services;
  readonly provider: Provider;
  readonly app: Koa;
  /** Listens on settings.port (0: any free port); resolves with the bound URL. */
  listen(): Promise<string>;
  /** Stops accepting requests, lets running ones finish, closes the store. */
  close(): Promise<void>;
}

export interface IdpOptions {
  logger?: Logger;
  /** How upstream identity providers are reached; the default is the network. */
  upstreamFetch?: typeof fetch;
}

export async function createIdp(settings: Settings, options: IdpOptions = {}): Promise<Idp> {
  const logger = options.logger ?? createLogger(settings.logLevel);
  const storage = await openStorage(settings);
  const services = createServices(storage, settings, logger, { upstreamFetch: options.upstreamFetch });
  const { keys, generated } = await loadSigningKeys(settings.keysDir, RETIRED_KEY_GRACE_SECONDS);
  if (generated) logger.warn({ keysDir: settings.keysDir }, 'generated new signing keys (first start)');
  const secure = settings.issuer.startsWith('https://');

  const cookieSecrets = loadCookieSecrets(settings.keysDir);
  const provider = createProvider({
    issuer: settings.issuer,
    storage,
    services,
    logger,
    signingKeys: keys,
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
  app.use(async (ctx, next) => {
    const started = performance.now();
    await next();
    logger.debug({ method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(performance.now() - started) }, 'request');
  });
  app.use(securityHeaders({ https: secure }));
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
  for (const router of [
    healthRoutes(storage),
    adminApi({ issuer: settings.issuer, provider, services, clients: storage.clients, maxBodyBytes: settings.maxBodyBytes }),
    ...interactionRoutes({
      provider, services, flows: new LoginFlowStore(storage.oidc), payloads: storage.oidc, issuer: settings.issuer, maxBodyBytes: settings.maxBodyBytes,
    }),
    linkRoutes({ provider, services, payloads: storage.oidc, csrfSecret: cookieSecrets[0]!, maxBodyBytes: settings.maxBodyBytes }),
    profileRoutes({
      issuer: settings.issuer, provider, services, payloads: storage.oidc, csrfSecret: cookieSecrets[0]!, maxBodyBytes: settings.maxBodyBytes,
    }),
  ]) {
    app.use(router.routes());
    app.use(router.allowedMethods());
  }
  app.use(async (ctx, next) => {
    allowAnyFormAction(ctx);
    await next();
  });
  app.use(mount(provider as unknown as Koa));

  const purge = setInterval(() => {
    const now = Date.now();
    Promise.all([storage.oidc.purgeExpired(now), storage.rateLimits.purgeExpired(now), storage.tokens.purgeExpired(new Date(now).toISOString())])
      .catch((error: unknown) => logger.error({ err: error }, 'purge failed'));
  }, PURGE_INTERVAL_MS);
  purge.unref();

  let server: http.Server | undefined;
  return {
    settings, logger, storage, services, provider, app,
    async listen() {
      const callback = app.callback();
      // Koa's callback catches its own errors (ctx.onerror), so its promise is safe to drop here.
      const handler: http.RequestListener = (req, res) => void callback(req, res);
      server = settings.tlsCertFile && settings.tlsKeyFile
        ? https.createServer({
            cert: readFileSync(settings.tlsCertFile),
            key: readFileSync(settings.tlsKeyFile),
            minVersion: 'TLSv1.2',
          }, handler)
        : http.createServer(handler);
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
      if (server) {
        const closing = new Promise<void>((resolve) => server!.close(() => resolve()));
        server.closeIdleConnections();
        await closing;
      }
      await storage.close();
    },
  };
}
