import { mkdirSync } from 'node:fs';
import path from 'node:path';
import * as oidc from 'openid-client';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startIdp, type TestIdp } from '../support/server.js';
import { PASSWORD, seed } from '../support/fixtures.js';
import { describeBrowser, launchChromium, startRelyingApp, type RelyingApp } from '../support/browser.js';

const ARTIFACTS = path.resolve('test-artifacts');

describeBrowser('signing in through the hosted pages in Chromium', () => {
  let idp: TestIdp;
  let app: RelyingApp;
  let browser: Browser;
  let context: BrowserContext | undefined;
  let fixture: Awaited<ReturnType<typeof seed>>;
  let config: oidc.Configuration;

  beforeAll(async () => {
    browser = await launchChromium();
    idp = await startIdp();
    app = await startRelyingApp();
    fixture = await seed(idp, { redirectUri: app.redirectUri });
    config = await oidc.discovery(new URL(idp.url), fixture.client.id, fixture.secret, undefined, {
      execute: [oidc.allowInsecureRequests],
    });
  });
  afterEach(async () => {
    await context?.close();
    context = undefined;
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    await idp?.stop();
  });

  async function openPage(locale: string): Promise<{ page: Page; console: string[] }> {
    context = await browser.newContext({ locale });
    const page = await context.newPage();
    const messages: string[] = [];
    page.on('console', (message) => messages.push(`${message.type()}: ${message.text()}`));
    return { page, console: messages };
  }

  async function authorizationRequest() {
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: app.redirectUri,
      scope: 'openid email profile',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
    });
    return { url: url.toString(), verifier, state };
  }

  test('e-mail, then password, lands back at the app with a code that redeems for an ID token', async () => {
    const { page, console } = await openPage('en-US');
    const request = await authorizationRequest();

    await page.goto(request.url);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'login-page.png'), fullPage: true });

    await page.getByLabel('E-mail address').fill('ann@acme.example');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByLabel('Password').fill(PASSWORD);
    await Promise.all([
      page
        .waitForURL((url) => url.href.startsWith(app.redirectUri), { timeout: 15000 })
        .catch((error: Error) => {
          throw new Error(`${error.message}\nbrowser console:\n${console.join('\n')}`);
        }),
      page.getByRole('button', { name: 'Sign in', exact: true }).click(),
    ]);

    expect(await page.textContent('body')).toBe('ok');
    const landed = new URL(page.url());
    expect(app.requests).toContain(landed.pathname + landed.search);
    expect(landed.searchParams.get('code')).toBeTruthy();
    expect(landed.searchParams.get('state')).toBe(request.state);
    expect(console.filter((line) => /Content Security Policy/i.test(line))).toEqual([]);

    const tokens = await oidc.authorizationCodeGrant(config, landed, { pkceCodeVerifier: request.verifier, expectedState: request.state });
    const claims = tokens.claims()!;
    expect(claims.sub).toBe(fixture.account.id);
    expect(claims.tenant).toBe('acme');
    expect(claims.aud).toBe(fixture.client.id);
  });

  test('a Swedish browser gets the login page in Swedish', async () => {
    const { page } = await openPage('sv-SE');
    await page.goto((await authorizationRequest()).url);

    await page.getByRole('heading', { name: 'Logga in' }).waitFor();
    await page.getByLabel('E-postadress').waitFor();
    expect(await page.getAttribute('html', 'lang')).toBe('sv');
  });
});
