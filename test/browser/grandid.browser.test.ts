import path from 'node:path';
import { mkdirSync } from 'node:fs';
import * as oidc from 'openid-client';
import type { Browser } from 'playwright-core';
import { startIdp, type TestIdp } from '../support/server.js';
import { describeBrowser, launchChromium, startRelyingApp, type RelyingApp } from '../support/browser.js';
import { API_KEY, SERVICE_KEY, startBroker } from '../support/grandid-broker.js';

const ARTIFACTS = path.resolve('test-artifacts');

describeBrowser('GrandID (Swedish e-ID) sign-in in Chromium', () => {
  let broker: Awaited<ReturnType<typeof startBroker>>;
  let idp: TestIdp;
  let app: RelyingApp;
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await launchChromium();
    app = await startRelyingApp();
    broker = await startBroker({ interactive: true });
    idp = await startIdp();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    await idp?.stop();
    await broker?.close();
  });

  test('the app names the tenant, the person picks BankID, identifies at the broker and is back at the app as their account', async () => {
    const tenant = await idp.services.tenants.create({ slug: 'nordic', name: 'Nordic', domains: [] });
    await idp.services.connections.create(tenant.id, {
      kind: 'grandid',
      name: 'BankID',
      baseUrl: broker.baseUrl,
      apiKey: API_KEY,
      serviceKey: SERVICE_KEY,
      firstSignIn: 'link',
    });
    const account = await idp.services.accounts.create(tenant.id, { email: 'ada@nordic.example', name: 'Ada Lovelace' });
    await idp.services.accounts.update(tenant.id, account.id, { personalNumber: '811218-9876' });
    const { client, secret } = await idp.services.clients.create({ name: 'Portal', redirectUris: [app.redirectUri], firstParty: true });
    broker.next({ kind: 'ok', attributes: { personalNumber: '198112189876', givenName: 'Ada', surname: 'Lovelace' } });
    // The broker (127.0.0.1) and we (localhost) are different sites, as in production.
    expect(new URL(broker.baseUrl).hostname).not.toBe(new URL(idp.url).hostname);

    const context = await browser.newContext({ locale: 'en-US' });
    try {
      const config = await oidc.discovery(new URL(idp.url), client.id, secret!, undefined, { execute: [oidc.allowInsecureRequests] });
      const verifier = oidc.randomPKCECodeVerifier();
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: app.redirectUri,
        scope: 'openid',
        tenant: 'nordic',
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
      });
      const page = await context.newPage();
      await page.goto(url.toString());
      await page.screenshot({ path: path.join(ARTIFACTS, 'grandid-sign-in-page.png'), fullPage: true });
      await Promise.all([
        page.waitForURL((u) => u.href.startsWith(new URL(broker.baseUrl).origin), { timeout: 15_000 }),
        page.getByRole('link', { name: 'Sign in with BankID' }).click(),
      ]);
      await page.getByRole('heading', { name: 'Identify with BankID' }).waitFor();
      await page.screenshot({ path: path.join(ARTIFACTS, 'grandid-broker.png'), fullPage: true });
      await Promise.all([
        page.waitForURL((u) => u.href.startsWith(app.redirectUri), { timeout: 15_000 }),
        page.getByRole('button', { name: 'Identify' }).click(),
      ]);
      await page.screenshot({ path: path.join(ARTIFACTS, 'grandid-back-at-app.png'), fullPage: true });
      const tokens = await oidc.authorizationCodeGrant(config, new URL(page.url()), { pkceCodeVerifier: verifier });
      expect(tokens.claims()).toMatchObject({ sub: account.id, tenant: 'nordic', amr: ['fed'] });
    } finally {
      await context.close();
    }
  });
});
