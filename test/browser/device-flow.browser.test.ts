import * as oidc from 'openid-client';
import type { Browser, BrowserContext } from 'playwright-core';
import { startIdp, type TestIdp } from '../support/server.js';
import { PASSWORD } from '../support/fixtures.js';
import { describeBrowser, launchChromium } from '../support/browser.js';

describeBrowser('device authorization grant in Chromium: a CLI shows a code, the person enters it and signs in', () => {
  let idp: TestIdp;
  let browser: Browser;
  let context: BrowserContext | undefined;
  let config: oidc.Configuration;
  let accountId: string;

  beforeAll(async () => {
    browser = await launchChromium();
    idp = await startIdp();
    const tenant = await idp.services.tenants.create({ slug: 'acme', name: 'Acme AB', domains: [] });
    accountId = (await idp.services.accounts.create(tenant.id, { email: 'ann@acme.example', password: PASSWORD })).id;
    const { client } = await idp.services.clients.create({ name: 'Acme CLI', public: true, deviceFlow: true, firstParty: true });
    config = await oidc.discovery(new URL(idp.url), client.id, undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] });
  });
  afterEach(async () => {
    await context?.close();
    context = undefined;
  });
  afterAll(async () => {
    await browser?.close();
    await idp?.stop();
  });

  test('wrong code refused with a clear message; the right one, confirmed, signs the device in (openid-client polls for tokens)', async () => {
    const started = await oidc.initiateDeviceAuthorization(config, { scope: 'openid offline_access' });
    const polling = oidc.pollDeviceAuthorizationGrant(config, started);

    context = await browser.newContext({ locale: 'en-US' });
    const page = await context.newPage();
    page.setDefaultTimeout(8000);
    await page.goto(started.verification_uri);
    await page.getByRole('heading', { name: 'Connect a device' }).waitFor();
    await page.getByLabel('Code').fill('BBBB-BBBB');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByText('That code is not valid.').waitFor();

    await page.getByLabel('Code').fill(started.user_code);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'Confirm the device' }).waitFor();
    expect(await page.textContent('#device-user-code')).toBe(started.user_code);
    await page.getByRole('button', { name: 'Yes, it is my device' }).click();

    await page.getByLabel('E-mail address').fill('ann@acme.example');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { name: 'Device connected' }).waitFor({ timeout: 15_000 });
    expect(await page.textContent('main')).toContain('Acme CLI');

    const tokens = await polling;
    expect(tokens.claims()).toMatchObject({ sub: accountId, tenant: 'acme' });
    expect(tokens.refresh_token).toEqual(expect.any(String));
    const [approved] = await idp.services.audit.list({ action: 'device.approved', limit: 1 });
    expect(approved).toMatchObject({ outcome: 'success', actor: { type: 'user', id: accountId } });
  }, 60_000);

  test('the page is in Swedish for a Swedish browser, and Cancel stops the device', async () => {
    const started = await oidc.initiateDeviceAuthorization(config, { scope: 'openid' });
    const polling = oidc.pollDeviceAuthorizationGrant(config, started).then(
      () => 'granted',
      (error: { error?: string }) => error.error,
    );
    context = await browser.newContext({ locale: 'sv-SE' });
    const page = await context.newPage();
    await page.goto(started.verification_uri_complete!);
    await page.getByRole('heading', { name: 'Bekräfta enheten' }).waitFor();
    await page.getByRole('button', { name: 'Avbryt' }).click();
    await page.getByText('Inloggningen på enheten avbröts.').waitFor();
    expect(await polling).toBe('access_denied');
  }, 60_000);
});
