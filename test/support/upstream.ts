import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync } from 'node:crypto';
import Koa from 'koa';
import mount from 'koa-mount';
import Provider, { type ClientMetadata } from 'oidc-provider';
import { decodeJwt, decodeProtectedHeader, importJWK, SignJWT, type JWK } from 'jose';

/**
 * Real upstream identity providers for tests: oidc-provider instances playing Google
 * (issuer https://accounts.google.com), Microsoft Entra ID (one issuer per Entra tenant,
 * https://login.microsoftonline.com/{tid}/v2.0, behind Entra's templated "organizations"
 * discovery) and a plain OpenID Connect provider. The well-known hosts are reached through
 * `fetch` (for the IdP) and `resolve` (for test browsers), which point them at this server.
 */

export const GOOGLE = 'accounts.google.com';
export const ENTRA = 'login.microsoftonline.com';

type Claims = Record<string, unknown>;

function rsaKey(kid: string): JWK {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...(privateKey.export({ format: 'jwk' }) as JWK), kid, alg: 'RS256', use: 'sig' };
}

export interface Upstreams {
  /** The generic provider's issuer (plain http on loopback). */
  oidcIssuer: string;
  /** For the IdP under test: reaches the well-known hosts here. */
  fetch: typeof fetch;
  /** For test browsers: where an upstream URL really goes, and the headers that say which host it is. */
  route: (url: string) => { url: string; headers: Record<string, string> };
  /** Who signs in at the upstream next (by user id), and with which amr. */
  signInAs(userId: string, options?: { amr?: string[] }): void;
  /** The Entra tenant (tid) whose login page the next Entra sign-in lands on. */
  entraHome(tid: string): void;
  addUser(userId: string, claims: Claims): void;
  /** Changes the next ID token the token endpoint returns: new claims, and/or a foreign signing key. */
  tamperNextIdToken(change: { claims?: Claims; foreignKey?: boolean }): void;
  close(): Promise<void>;
}

export async function startUpstreams(options: { clients: ClientMetadata[]; entraTenants: string[] }): Promise<Upstreams> {
  const users = new Map<string, Claims>();
  let current = { userId: '', amr: ['pwd'] as string[] };
  let home = options.entraTenants[0]!;
  let tamper: { claims?: Claims; foreignKey?: boolean } | null = null;
  const codeTenant = new Map<string, string>();
  const signing = rsaKey('upstream-key');
  const rogue = rsaKey('upstream-key');

  // The well-known hosts arrive as X-Forwarded-Host (and X-Forwarded-Proto: https), as behind a proxy.
  const app = new Koa({ proxy: true, keys: ['upstream-test-cookies'] });
  // Koa composes its middleware when the handler is made: make it once everything is registered.
  let handle: ReturnType<Koa['callback']> | undefined;
  const server = http.createServer((req, res) => void handle!(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  function provider(issuer: string, claimNames: string[]): Provider {
    const p = new Provider(issuer, {
      clients: options.clients,
      jwks: { keys: [signing] as never },
      cookies: { keys: ['upstream-test-cookies'], long: { secure: false }, short: { secure: false } },
      claims: { openid: ['sub', 'amr', ...claimNames] },
      conformIdTokenClaims: false,
      features: { devInteractions: { enabled: false } },
      pkce: { required: () => true },
      interactions: { url: (_ctx, interaction) => `${new URL(issuer).pathname.replace(/\/$/, '')}/__login/${interaction.uid}` },
      findAccount: async (_ctx, sub) => (users.has(sub) ? { accountId: sub, claims: async () => ({ sub, ...users.get(sub) }) } : undefined),
      loadExistingGrant: async (ctx) => {
        const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client!.clientId, accountId: ctx.oidc.session!.accountId });
        grant.addOIDCScope((ctx.oidc.params?.scope as string | undefined) ?? 'openid');
        await grant.save();
        return grant;
      },
    });
    p.proxy = true;
    return p;
  }

  /** Re-signs an ID token in a token response, when the test asked for it. */
  async function tamperTokenResponse(ctx: Koa.Context): Promise<void> {
    if (!tamper || ctx.status !== 200 || typeof ctx.body !== 'object' || !ctx.body) return;
    const body = ctx.body as { id_token?: string };
    if (!body.id_token) return;
    const claims = { ...decodeJwt(body.id_token), ...tamper.claims };
    const key = await importJWK(tamper.foreignKey ? rogue : signing, 'RS256');
    body.id_token = await new SignJWT(claims).setProtectedHeader({ ...decodeProtectedHeader(body.id_token), alg: 'RS256' }).sign(key);
    tamper = null;
  }

  const google = provider(`https://${GOOGLE}`, ['email', 'email_verified', 'name', 'hd']);
  const generic = provider(`${base}/generic`, ['email', 'email_verified', 'name']);
  const entra = new Map(
    options.entraTenants.map((tid) => [
      tid,
      provider(`https://${ENTRA}/${tid}/v2.0`, ['tid', 'oid', 'email', 'preferred_username', 'name', 'xms_edov', 'acct']),
    ]),
  );
  /** Each provider by host and the path prefix it is mounted at. */
  const providers = new Map<string, Provider>([
    [`${GOOGLE}`, google],
    ['127.0.0.1/generic', generic],
    ...[...entra].map(([tid, p]) => [`${ENTRA}/${tid}/v2.0`, p] as const),
  ]);
  const where = (ctx: Koa.Context) => `${ctx.hostname}${ctx.path}`;

  // Entra's "organizations" authority: a templated issuer, and endpoints that lead to the home tenant.
  app.use(async (ctx, next) => {
    const org = `/organizations`;
    if (ctx.hostname !== ENTRA) return next();
    if (ctx.path === `${org}/v2.0/.well-known/openid-configuration`) {
      ctx.body = {
        issuer: `https://${ENTRA}/{tenantid}/v2.0`,
        authorization_endpoint: `https://${ENTRA}/organizations/oauth2/v2.0/authorize`,
        token_endpoint: `https://${ENTRA}/organizations/oauth2/v2.0/token`,
        jwks_uri: `https://${ENTRA}/organizations/discovery/v2.0/keys`,
        response_types_supported: ['code'],
        subject_types_supported: ['pairwise'],
        id_token_signing_alg_values_supported: ['RS256'],
        token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
        code_challenge_methods_supported: ['S256'],
        scopes_supported: ['openid', 'profile', 'email'],
      };
      return;
    }
    if (ctx.path === `${org}/discovery/v2.0/keys`) {
      const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicKey } = signing;
      ctx.body = { keys: [publicKey] };
      return;
    }
    if (ctx.path === `${org}/oauth2/v2.0/authorize`) {
      ctx.redirect(`https://${ENTRA}/${home}/v2.0/auth?${ctx.querystring}`);
      return;
    }
    if (ctx.path === `${org}/oauth2/v2.0/token`) {
      const raw = await readBody(ctx.req);
      const tid = codeTenant.get(new URLSearchParams(raw).get('code') ?? '') ?? home;
      ctx.path = `/${tid}/v2.0/token`;
      // The stream is read; oidc-provider takes an already-read body from req.body.
      (ctx.req as unknown as { body: string }).body = raw;
    }
    await next();
  });

  // The upstream's own sign-in page: whoever the test chose signs in at once.
  app.use(async (ctx, next) => {
    const match = /^(.+)\/__login\/[^/]+$/.exec(where(ctx));
    const p = match ? providers.get(match[1]!) : undefined;
    if (!p) return next();
    await p.interactionDetails(ctx.req, ctx.res);
    await p.interactionFinished(
      ctx.req,
      ctx.res,
      { login: { accountId: current.userId, amr: current.amr } },
      { mergeWithLastSubmission: false },
    );
    ctx.respond = false;
  });

  // Entra does not send `iss` with the authorization response; remember which tenant issued each code.
  app.use(async (ctx, next) => {
    await next();
    const location = ctx.response.get('location') ?? '';
    const tid = ctx.hostname === ENTRA ? /^\/([^/]+)\/v2\.0\//.exec(ctx.path)?.[1] : undefined;
    if (tid && location.includes('code=')) {
      const url = new URL(location);
      codeTenant.set(url.searchParams.get('code')!, tid);
      url.searchParams.delete('iss');
      ctx.set('location', url.toString());
    }
  });
  app.use(async (ctx, next) => {
    await next();
    if (/\/token$/.test(ctx.path)) await tamperTokenResponse(ctx);
  });
  const byHost =
    (host: string, middleware: Koa.Middleware): Koa.Middleware =>
    (ctx, next) =>
      ctx.hostname === host ? middleware(ctx, next) : next();
  app.use(byHost(GOOGLE, mount('/', google as unknown as Koa)));
  app.use(byHost('127.0.0.1', mount('/generic', generic as unknown as Koa)));
  for (const [tid, p] of entra) app.use(byHost(ENTRA, mount(`/${tid}/v2.0`, p as unknown as Koa)));

  handle = app.callback();

  const route = (url: string): { url: string; headers: Record<string, string> } => {
    const parsed = new URL(url);
    if (parsed.hostname !== GOOGLE && parsed.hostname !== ENTRA) return { url, headers: {} };
    return {
      url: `${base}${parsed.pathname}${parsed.search}`,
      headers: { 'x-forwarded-host': parsed.hostname, 'x-forwarded-proto': 'https' },
    };
  };

  return {
    oidcIssuer: `${base}/generic`,
    fetch: ((input: string | URL | Request, init: RequestInit = {}) => {
      const routed = route(input instanceof Request ? input.url : input.toString());
      return fetch(routed.url, { ...init, headers: { ...Object.fromEntries(new Headers(init.headers).entries()), ...routed.headers } });
    }) as typeof fetch,
    route,
    signInAs(userId, opts = {}) {
      current = { userId, amr: opts.amr ?? ['pwd'] };
    },
    entraHome(tid) {
      home = tid;
    },
    addUser(userId, claims) {
      users.set(userId, claims);
    },
    tamperNextIdToken(change) {
      tamper = change;
    },
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
