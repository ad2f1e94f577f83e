import * as oidc from 'openid-client';
import type { Browser } from 'playwright-core';
import { startIdp, freePort, type TestIdp } from '../support/server.js';
import { describeBrowser, launchChromium, startRelyingApp, type RelyingApp } from '../support/browser.js';
import { startUpstreams, GOOGLE, type Upstreams } from '../support/upstream.js';

describeBrowser('federated sign-in in Chromium', () => {
  let upstreams: Upstreams;
  let idp: TestIdp;
  let app: RelyingApp;
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
    app = await startRelyingApp();
    const port = await freePort();
    upstreams = await startUpstreams({
      clients: [
        {
          client_id: 'our-idp',
          client_secret: 'upstream-client-secret-value',
          token_endpoint_auth_method: 'client_secret_post',
          redirect_uris: [`http://localhost:${port}/federation/callback`],
        },
      ],
      entraTenants: ['11111111-1111-4111-8111-111111111111'],
    });
    idp = await startIdp({ PORT: String(port) }, undefined, { upstreamFetch: upstreams.fetch });
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    await idp?.stop();
    await upstreams?.close();
  });

  test('e-mail in a Workspace domain: our page, Google, our callback, back at the app with a code', async () => {
    const tenant = await idp.services.tenants.create({ slug: 'acme', name: 'Acme', domains: ['acme.example'] });
    await idp.services.connections.create(tenant.id, {
      kind: 'google',
      name: 'Google',
      clientId: 'our-idp',
      clientSecret: 'upstream-client-secret-value',
      allowedGoogleDomains: ['acme.example'],
      firstSignIn: 'create',
    });
    const { client, secret } = await idp.services.clients.create({ name: 'Portal', redirectUris: [app.redirectUri], firstParty: true });
    upstreams.addUser('alice', { email: 'alice@acme.example', email_verified: true, hd: 'acme.example', name: 'Alice' });
    upstreams.signInAs('alice');

    const context = await browser.newContext({ locale: 'en-US' });
    const visited: string[] = [];
    // The browser believes it talks to https://accounts.google.com; the answers come from the local
    // upstream. Chromium does not route the requests a fulfilled redirect leads to, so redirects that
    // stay at Google are followed here (with Google's cookies), and the one that leaves is handed back.
    await context.route(
      (url) => url.hostname === GOOGLE,
      async (route) => {
        const cookies = new Map<string, string>();
        let url = route.request().url();
        for (;;) {
          visited.push(url);
          const routed = upstreams.route(url);
          const cookie = [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
          const response = await route.fetch({
            url: routed.url,
            headers: { ...routed.headers, ...(cookie ? { cookie } : {}) },
            maxRedirects: 0,
          });
          for (const header of response.headersArray().filter((h) => h.name.toLowerCase() === 'set-cookie')) {
            const [pair = ''] = header.value.split(';');
            cookies.set(pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1));
          }
          const location = response.headers().location;
          const next = location ? new URL(location, url) : null;
          if (!next || next.hostname !== GOOGLE) {
            await route.fulfill({ response });
            return;
          }
          url = next.toString();
        }
      },
    );
    try {
      const config = await oidc.discovery(new URL(idp.url), client.id, secret!, undefined, { execute: [oidc.allowInsecureRequests] });
      const verifier = oidc.randomPKCECodeVerifier();
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: app.redirectUri,
        scope: 'openid email',
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
      });
      const page = await context.newPage();
      await page.goto(url.toString());
      await page.getByLabel('E-mail address').fill('alice@acme.example');
      await Promise.all([
        page.waitForURL((u) => u.href.startsWith(app.redirectUri), { timeout: 15_000 }),
        page.getByRole('button', { name: 'Continue' }).click(),
      ]);
      expect(visited.some((u) => u.startsWith(`https://${GOOGLE}/auth?`) && u.includes('hd=acme.example'))).toBe(true);
      const tokens = await oidc.authorizationCodeGrant(config, new URL(page.url()), { pkceCodeVerifier: verifier });
      expect(tokens.claims()).toMatchObject({ tenant: 'acme', email: 'alice@acme.example', amr: ['fed'] });
    } finally {
      await context.close();
    }
  });
});
