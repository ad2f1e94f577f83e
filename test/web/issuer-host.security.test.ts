import { loadSettings, SettingsError } from '../../src/config/settings.js';
import { CookieJar } from '../support/cookie-jar.js';
import { authorizationUrl, PASSWORD, seed } from '../support/fixtures.js';
import { csrfToken, formAction } from '../support/form-client.js';
import { rawRequest, type RawResponse } from '../support/raw-http.js';
import { freePort, startIdp, type TestIdp } from '../support/server.js';

const DISCOVERY = '/.well-known/openid-configuration';
const OPENAPI = '/admin/v1/openapi.json';
/** URLs in the OpenAPI document that name specifications (`$schema`), not this service. */
const SPECIFICATIONS = /^https:\/\/(json-schema\.org|spec\.openapis\.org)\//;

type Headers = Record<string, string>;

/** Every absolute URL anywhere in a JSON document. */
function urlsIn(value: unknown): string[] {
  if (typeof value === 'string') return /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? [value] : [];
  if (Array.isArray(value)) return value.flatMap(urlsIn);
  if (value && typeof value === 'object') return Object.values(value).flatMap(urlsIn);
  return [];
}

/** The URLs that name anything but the issuer: an absolute URL elsewhere, or a protocol-relative one. */
function offIssuer(issuer: string, urls: string[]): string[] {
  return urls.filter((url) => !(url === issuer || url.startsWith(`${issuer}/`) || /^\/(?!\/)/.test(url)));
}

function pathOf(url: string): string {
  const parsed = new URL(url.replaceAll('&amp;', '&'), 'http://unused.invalid');
  return parsed.pathname + parsed.search;
}

/**
 * Signs in through the hosted pages and signs out again as a browser would, every request
 * carrying `headers`, following each redirect on this server whatever host it names.
 * Returns every Location, form action and link the answers carried, and the /auth answer.
 */
async function signInAndOut(idp: TestIdp, fixture: Awaited<ReturnType<typeof seed>>, redirectUri: string, headers: Headers) {
  const jar = new CookieJar();
  const urls: string[] = [];
  const send = async (target: string, form?: Headers): Promise<RawResponse> => {
    const cookie = jar.header();
    const response = await rawRequest(idp.url, target, {
      method: form ? 'POST' : 'GET',
      headers: { ...headers, ...(cookie ? { cookie } : {}), ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      body: form && new URLSearchParams(form).toString(),
    });
    jar.storeLines(response.headers['set-cookie'] ?? []);
    for (const [, url] of response.body.matchAll(/\b(?:action|href)="([^"]*)"/g)) urls.push(url!);
    return response;
  };
  const follow = async (target: string, form?: Headers) => {
    let response = await send(target, form);
    while (response.headers.location && !response.headers.location.startsWith(redirectUri)) {
      urls.push(response.headers.location);
      response = await send(pathOf(response.headers.location));
    }
    return response;
  };

  const authorize = await send(pathOf(authorizationUrl(idp.url, fixture.client.id, redirectUri)));
  expect(authorize.status).toBe(303);
  const start = await follow(pathOf(authorize.headers.location!));
  urls.push(authorize.headers.location!);
  expect(start.status).toBe(200);
  expect(start.headers['cache-control']).toBe('no-store');
  const csrf = csrfToken(start.body);
  const passwordPage = await follow(pathOf(formAction(start.body, '/email')), { csrf, email: fixture.account.email });
  const back = await follow(pathOf(formAction(passwordPage.body, '/password')), { csrf, email: fixture.account.email, password: PASSWORD });
  expect(back.headers.location).toMatch(new RegExp(`^${redirectUri}\\?code=`));
  expect(new URL(back.headers.location!).searchParams.get('iss')).toBe(idp.settings.issuer);

  const logout = await follow(`/session/end?client_id=${fixture.client.id}`);
  expect(logout.status).toBe(200);
  const xsrf = /name="xsrf" value="([^"]+)"/.exec(logout.body)![1]!;
  const confirm = /id="op.logoutForm" method="post" action="([^"]+)"/.exec(logout.body)![1]!;
  const done = await follow(pathOf(confirm), { xsrf, logout: 'yes' });
  expect(done.status).toBe(200);
  expect(done.body).toContain('signed out');
  return { urls, authorize };
}

function expectMisdirected(response: RawResponse, admin: boolean) {
  expect(response.status).toBe(421);
  expect(response.headers.location).toBeUndefined();
  expect(response.headers['set-cookie']).toBeUndefined();
  expect(response.headers['cache-control']).toBe('no-store');
  expect(response.body).not.toMatch(/evil|\bat \S+:\d+/);
  if (admin) {
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(response.body)).toMatchObject({ status: 421, title: 'Misdirected Request' });
  } else {
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    expect(response.body).toBe('This server does not answer for that host name.\n');
  }
}

describe('answers are pinned to the issuer (plain HTTP, no proxy trusted)', () => {
  const REDIRECT_URI = 'http://localhost:8123/callback';
  let port: number;
  let idp: TestIdp;
  let fixture: Awaited<ReturnType<typeof seed>>;

  beforeAll(async () => {
    port = await freePort();
    idp = await startIdp({ PORT: String(port), ALLOWED_HOSTS: 'idp.internal' });
    fixture = await seed(idp, { redirectUri: REDIRECT_URI });
  });
  afterAll(() => idp.stop());

  const refused: [string, (port: number) => Headers][] = [
    ['a foreign host', () => ({ host: 'evil.example' })],
    ["a foreign host on the issuer's port", (p) => ({ host: `evil.example:${p}` })],
    ['an IP literal', (p) => ({ host: `127.0.0.1:${p}` })],
    ['an IPv6 literal', (p) => ({ host: `[::1]:${p}` })],
    ['the issuer host with a trailing dot', (p) => ({ host: `localhost.:${p}` })],
    ['the issuer host on another port', (p) => ({ host: `localhost:${p === 65535 ? p - 1 : p + 1}` })],
    ['the issuer host without its port (that is port 80)', () => ({ host: 'localhost' })],
    ['an allowed name on another port', () => ({ host: 'idp.internal:8080' })],
    ['a host with user info naming a foreign host', (p) => ({ host: `localhost:${p}@evil.example` })],
    [
      'a foreign host, the issuer host in X-Forwarded-Host (not read without TRUST_PROXY)',
      (p) => ({ host: 'evil.example', 'x-forwarded-host': `localhost:${p}` }),
    ],
    ['a foreign host, the issuer host in Forwarded (never read)', (p) => ({ host: 'evil.example', forwarded: `host=localhost:${p}` })],
  ];

  test.each(refused)('%s is answered 421 everywhere, before any route sees it', async (_name, headersFor) => {
    const headers = headersFor(port);
    const auth = pathOf(authorizationUrl(idp.url, fixture.client.id, REDIRECT_URI));
    for (const target of [DISCOVERY, '/jwks', auth, '/session/end', '/interaction/some-uid', '/account', '/assets/idp.css']) {
      expectMisdirected(await rawRequest(idp.url, target, { headers }), false);
    }
    expectMisdirected(
      await rawRequest(idp.url, '/interaction/some-uid/password', {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'password=x',
      }),
      false,
    );
    expectMisdirected(await rawRequest(idp.url, OPENAPI, { headers }), true);
    expectMisdirected(await rawRequest(idp.url, '/admin/v1/tenants', { headers: { ...headers, authorization: 'Bearer x' } }), true);
  });

  test("the refusal is in the person's language", async () => {
    const response = await rawRequest(idp.url, DISCOVERY, { headers: { host: 'evil.example', 'accept-language': 'sv-SE,sv;q=0.9' } });
    expect(response.status).toBe(421);
    expect(response.body).toBe('Den här servern svarar inte för det värdnamnet.\n');
  });

  test("an absolute-form request target naming a foreign host is refused even with the issuer's Host", async () => {
    const response = await rawRequest(idp.url, `http://evil.example${DISCOVERY}`, { headers: { host: `localhost:${port}` } });
    expectMisdirected(response, false);
  });

  test("an absolute-form target naming an allowed host is answered with the issuer's URLs", async () => {
    const response = await rawRequest(idp.url, `http://idp.internal${DISCOVERY}`, { headers: { host: 'idp.internal' } });
    expect(response.status).toBe(200);
    const metadata = JSON.parse(response.body);
    expect(metadata.authorization_endpoint).toBe(`${idp.settings.issuer}/auth`);
    expect(offIssuer(idp.settings.issuer, urlsIn(metadata))).toEqual([]);
  });

  const accepted: [string, (port: number) => Headers][] = [
    ['the issuer host in mixed case', (p) => ({ host: `LocalHost:${p}` })],
    ['an ALLOWED_HOSTS name', () => ({ host: 'idp.internal' })],
    ["an ALLOWED_HOSTS name in capitals with http's default port", () => ({ host: 'IDP.Internal:80' })],
    [
      'the issuer host with a foreign X-Forwarded-Host and -Proto (not read without TRUST_PROXY)',
      (p) => ({ host: `localhost:${p}`, 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' }),
    ],
    [
      'the issuer host with a foreign Forwarded header (never read)',
      (p) => ({ host: `localhost:${p}`, forwarded: 'for=1.2.3.4;host=evil.example;proto=https' }),
    ],
  ];

  test.each(accepted)("%s is answered with the issuer's URLs only: discovery, sign-in, logout, OpenAPI", async (_name, headersFor) => {
    const headers = headersFor(port);
    const { issuer } = idp.settings;
    const discovery = await rawRequest(idp.url, DISCOVERY, { headers });
    expect(discovery.status).toBe(200);
    const metadata = JSON.parse(discovery.body);
    expect(metadata.issuer).toBe(issuer);
    for (const endpoint of ['authorization_endpoint', 'token_endpoint', 'jwks_uri', 'end_session_endpoint', 'userinfo_endpoint']) {
      expect(metadata[endpoint]).toMatch(new RegExp(`^${issuer}/`));
    }
    expect(offIssuer(issuer, urlsIn(metadata))).toEqual([]);

    const { urls } = await signInAndOut(idp, fixture, REDIRECT_URI, headers);
    expect(urls.length).toBeGreaterThan(5);
    expect(urls.some((url) => url.startsWith(`${issuer}/auth/`))).toBe(true);
    expect(urls.some((url) => url.startsWith(`${issuer}/session/end/`))).toBe(true);
    expect(offIssuer(issuer, urls)).toEqual([]);

    const openapi = await rawRequest(idp.url, OPENAPI, { headers });
    expect(openapi.status).toBe(200);
    const document = JSON.parse(openapi.body);
    expect(document.servers).toEqual([{ url: `${issuer}/admin/v1` }]);
    expect(document.components.securitySchemes.adminToken.flows.clientCredentials.tokenUrl).toBe(`${issuer}/token`);
    expect(
      offIssuer(
        issuer,
        urlsIn(document).filter((url) => !SPECIFICATIONS.test(url)),
      ),
    ).toEqual([]);
  });

  test('/healthz and /readyz answer whatever host name reaches them', async () => {
    for (const host of ['evil.example', '10.0.0.7:8080', 'idp-7f9c.pod.cluster.local']) {
      const health = await rawRequest(idp.url, '/healthz', { headers: { host } });
      expect(health.status).toBe(200);
      expect(JSON.parse(health.body)).toEqual({ status: 'ok' });
      const ready = await rawRequest(idp.url, '/readyz', { headers: { host } });
      expect(ready.status).toBe(200);
      expect(JSON.parse(ready.body)).toMatchObject({ status: 'ready' });
    }
  });

  test.each([[DISCOVERY], ['/jwks']])('%s carries a short public Cache-Control and an ETag; If-None-Match gets 304', async (target) => {
    const first = await rawRequest(idp.url, target, { headers: { host: `localhost:${port}` } });
    expect(first.status).toBe(200);
    expect(first.headers['cache-control']).toBe('public, max-age=300');
    const etag = first.headers.etag!;
    expect(etag).toMatch(/^"[\w-]{20,}"$/);
    // The same document whichever accepted name asked: a shared cache cannot be poisoned by the Host.
    const viaAlias = await rawRequest(idp.url, target, { headers: { host: 'idp.internal' } });
    expect(viaAlias.headers.etag).toBe(etag);
    expect(viaAlias.body).toBe(first.body);

    const unchanged = await rawRequest(idp.url, target, { headers: { host: `localhost:${port}`, 'if-none-match': etag } });
    expect(unchanged.status).toBe(304);
    expect(unchanged.body).toBe('');
    expect(unchanged.headers.etag).toBe(etag);
    const stale = await rawRequest(idp.url, target, { headers: { host: `localhost:${port}`, 'if-none-match': '"something-else"' } });
    expect(stale.status).toBe(200);
    expect(stale.body).toBe(first.body);
  });
});

describe('answers are pinned to the issuer behind a trusted TLS proxy', () => {
  const ISSUER = 'https://id.example.test';
  const REDIRECT_URI = 'https://app.example.test/callback';
  let port: number;
  let idp: TestIdp;
  let fixture: Awaited<ReturnType<typeof seed>>;

  beforeAll(async () => {
    port = await freePort();
    idp = await startIdp({ PORT: String(port), ISSUER, TRUST_PROXY: 'true', ALLOWED_HOSTS: `127.0.0.1:${port}` });
    fixture = await seed(idp, { redirectUri: REDIRECT_URI });
  });
  afterAll(() => idp.stop());

  const refused: [string, (port: number) => Headers][] = [
    ["a foreign X-Forwarded-Host, even with the issuer's Host", () => ({ host: 'id.example.test', 'x-forwarded-host': 'evil.example' })],
    ['a foreign first entry in X-Forwarded-Host', () => ({ host: 'id.example.test', 'x-forwarded-host': 'evil.example, id.example.test' })],
    ["the issuer host on port 80 (http's default, not https's)", () => ({ 'x-forwarded-host': 'id.example.test:80' })],
    ['the issuer host with a trailing dot', () => ({ 'x-forwarded-host': 'id.example.test.' })],
    ["the backend's own name, not listed", (p) => ({ host: `localhost:${p}` })],
    ['Forwarded naming the issuer host (never read)', (p) => ({ host: `localhost:${p}`, forwarded: 'host=id.example.test;proto=https' })],
  ];

  test.each(refused)('%s is answered 421', async (_name, headersFor) => {
    const headers = { 'x-forwarded-proto': 'https', ...headersFor(port) };
    for (const target of [DISCOVERY, pathOf(authorizationUrl(ISSUER, fixture.client.id, REDIRECT_URI)), '/session/end']) {
      expectMisdirected(await rawRequest(idp.url, target, { headers }), false);
    }
    expectMisdirected(await rawRequest(idp.url, OPENAPI, { headers }), true);
  });

  const accepted: [string, (port: number) => Headers][] = [
    ['X-Forwarded-Host naming the issuer host', (p) => ({ host: `localhost:${p}`, 'x-forwarded-host': 'id.example.test' })],
    [
      "X-Forwarded-Host in mixed case with https's default port",
      (p) => ({ host: `localhost:${p}`, 'x-forwarded-host': 'ID.Example.Test:443' }),
    ],
    ["the issuer's Host kept by the proxy, without X-Forwarded-Host", () => ({ host: 'id.example.test' })],
    ['a listed IP literal (a proxy that connects by address)', (p) => ({ host: `127.0.0.1:${p}` })],
  ];

  test.each(accepted)("%s is answered with the issuer's https URLs only, and cookies stay Secure", async (_name, headersFor) => {
    const headers = { 'x-forwarded-proto': 'https', ...headersFor(port) };
    const discovery = await rawRequest(idp.url, DISCOVERY, { headers });
    expect(discovery.status).toBe(200);
    const metadata = JSON.parse(discovery.body);
    expect(metadata.token_endpoint).toBe(`${ISSUER}/token`);
    expect(offIssuer(ISSUER, urlsIn(metadata))).toEqual([]);

    const { urls, authorize } = await signInAndOut(idp, fixture, REDIRECT_URI, headers);
    const cookies = authorize.headers['set-cookie'] ?? [];
    expect(cookies.length).toBeGreaterThan(0);
    for (const cookie of cookies) expect(cookie.toLowerCase()).toMatch(/; secure/);
    expect(urls.some((url) => url.startsWith(`${ISSUER}/auth/`))).toBe(true);
    expect(offIssuer(ISSUER, urls)).toEqual([]);

    const openapi = JSON.parse((await rawRequest(idp.url, OPENAPI, { headers })).body);
    expect(openapi.servers).toEqual([{ url: `${ISSUER}/admin/v1` }]);
  });

  test('X-Forwarded-Proto never changes the URLs in answers', async () => {
    const response = await rawRequest(idp.url, DISCOVERY, {
      headers: { 'x-forwarded-host': 'id.example.test', 'x-forwarded-proto': 'http' },
    });
    expect(response.status).toBe(200);
    const metadata = JSON.parse(response.body);
    expect(metadata.authorization_endpoint).toBe(`${ISSUER}/auth`);
    expect(offIssuer(ISSUER, urlsIn(metadata))).toEqual([]);
  });

  test('X-Forwarded-Proto still decides whether the request came over TLS: no Secure cookie goes out over plain HTTP', async () => {
    const response = await rawRequest(idp.url, pathOf(authorizationUrl(ISSUER, fixture.client.id, REDIRECT_URI)), {
      headers: { 'x-forwarded-host': 'id.example.test', 'x-forwarded-proto': 'http' },
    });
    expect(response.headers['set-cookie']).toBeUndefined();
    expect(response.headers.location).toBeUndefined();
  });

  test('/healthz answers a foreign forwarded host', async () => {
    const health = await rawRequest(idp.url, '/healthz', { headers: { 'x-forwarded-host': 'evil.example' } });
    expect(health.status).toBe(200);
  });
});

describe('ALLOWED_HOSTS is validated at start', () => {
  const base = { DATA_DIR: '/tmp/unused', KEYS_DIR: '/tmp/unused' };

  test.each([
    ['https://idp.internal'],
    ['idp.internal/path'],
    ['idp.internal:99999'],
    ['idp.internal:'],
    ['idp.internal,,other.internal'],
    ['idp internal'],
    ['*.example.com'],
    ['user@idp.internal'],
  ])('%s is refused with a message naming the setting and the entry', (value) => {
    expect(() => loadSettings({ ...base, ALLOWED_HOSTS: value })).toThrow(SettingsError);
    expect(() => loadSettings({ ...base, ALLOWED_HOSTS: value })).toThrow(/ALLOWED_HOSTS: ".*" is not host\[:port\]/);
  });

  test("names are normalised: lower case, the issuer scheme's default port dropped", () => {
    expect(loadSettings({ ...base, ALLOWED_HOSTS: ' IDP.Internal:80 , 10.0.0.5:3000,[::1]:8080' }).allowedHosts).toEqual([
      'idp.internal',
      '10.0.0.5:3000',
      '[::1]:8080',
    ]);
    expect(
      loadSettings({ ...base, ISSUER: 'https://id.example.com', ALLOWED_HOSTS: 'idp.internal:443,idp.internal:80' }).allowedHosts,
    ).toEqual(['idp.internal', 'idp.internal:80']);
    expect(loadSettings(base).allowedHosts).toEqual([]);
  });
});
