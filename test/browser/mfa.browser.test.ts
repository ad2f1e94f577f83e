import * as oidc from 'openid-client';
import type { Browser, BrowserContext } from 'playwright-core';
import { startIdp, type TestIdp } from '../support/server.js';
import { PASSWORD, seed } from '../support/fixtures.js';
import { describeBrowser, launchChromium, startRelyingApp, type RelyingApp } from '../support/browser.js';
import { codeFor } from '../support/totp.js';
import { ACR_MFA } from '../../src/oidc/settings.js';

describeBrowser('two-step verification in Chromium', () => {
  let idp: TestIdp;
  let app: RelyingApp;
  let browser: Browser;
  let context: BrowserContext;
  let fixture: Awaited<ReturnType<typeof seed>>;

  beforeAll(async () => {
    browser = await launchChromium();
    idp = await startIdp();
    app = await startRelyingApp();
    fixture = await seed(idp, { redirectUri: app.redirectUri });
    context = await browser.newContext({ locale: 'en-US' });
  });
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await app?.stop();
    await idp?.stop();
  });

  test('enrol under My profile by reading the key from the page, then sign in to an app with a code', async () => {
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    await page.goto(`${idp.url}/account`);
    await page.getByLabel('E-mail address').fill('ann@acme.example');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { name: 'My profile' }).waitFor();

    await page.getByRole('button', { name: 'Turn on two-step verification' }).click();
    await page.getByRole('img', { name: 'QR code for your authenticator app' }).waitFor();
    const secret = (await page.locator('#totp-key').textContent())!.replace(/\s+/g, '');
    await page.getByLabel('Code').fill(codeFor(secret));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('heading', { name: 'Save your recovery codes' }).waitFor();
    expect(await page.locator('#recovery-codes li').count()).toBe(10);
    const recoveryCode = (await page.locator('#recovery-codes li').first().textContent())!.trim();
    await page.getByRole('button', { name: 'Continue' }).click();
    // From now on the profile itself asks for the second step.
    await page.getByLabel('E-mail address').fill('ann@acme.example');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByLabel('Code').fill(recoveryCode);
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect(page.locator('#mfa-status').textContent()).resolves.toContain('On:');

    const config = await oidc.discovery(new URL(idp.url), fixture.client.id, fixture.secret, undefined, {
      execute: [oidc.allowInsecureRequests],
    });
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: app.redirectUri,
      scope: 'openid',
      acr_values: ACR_MFA,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    // A new browser session: the app demands two steps.
    const fresh = await browser.newContext({ locale: 'en-US' });
    try {
      const signIn = await fresh.newPage();
      await signIn.goto(url.toString());
      await signIn.getByLabel('E-mail address').fill('ann@acme.example');
      await signIn.getByRole('button', { name: 'Continue' }).click();
      await signIn.getByLabel('Password').fill(PASSWORD);
      await signIn.getByRole('button', { name: 'Sign in', exact: true }).click();
      await signIn.getByLabel('Code').fill(codeFor(secret, 1));
      await Promise.all([
        signIn.waitForURL((u) => u.href.startsWith(app.redirectUri)),
        signIn.getByRole('button', { name: 'Verify' }).click(),
      ]);
      const tokens = await oidc.authorizationCodeGrant(config, new URL(signIn.url()), { pkceCodeVerifier: verifier });
      expect(tokens.claims()).toMatchObject({ sub: fixture.account.id, acr: ACR_MFA, amr: ['pwd', 'otp', 'mfa'] });
    } finally {
      await fresh.close();
    }
  });
});
