import path from 'node:path';
import { mkdirSync } from 'node:fs';
import * as oidc from 'openid-client';
import type { Browser } from 'playwright-core';
import { startIdp, type TestIdp } from '../support/server.js';
import { describeBrowser, launchChromium, startRelyingApp, type RelyingApp } from '../support/browser.js';
import { startSamlIdp, type SamlIdp } from '../support/saml-idp.js';

const ARTIFACTS = path.resolve('test-artifacts');

describeBrowser('SAML sign-in in Chromium', () => {
  let samlIdp: SamlIdp;
  let idp: TestIdp;
  let app: RelyingApp;
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await launchChromium();
    app = await startRelyingApp();
    samlIdp = await startSamlIdp();
    idp = await startIdp();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    await idp?.stop();
    await samlIdp?.close();
  });

  test('our page, the IdP, a cross-site POST to our ACS (no SameSite=Lax cookie on it), back at the app with a code', async () => {
    const tenant = await idp.services.tenants.create({ slug: 'globex', name: 'Globex', domains: ['globex.example'] });
    await idp.services.connections.create(tenant.id, {
      kind: 'saml',
      name: 'Globex SSO',
      metadataXml: samlIdp.metadataXml(),
      firstSignIn: 'create',
      emailVerified: true,
    });
    const { client, secret } = await idp.services.clients.create({ name: 'Portal', redirectUris: [app.redirectUri], firstParty: true });
    samlIdp.signInAs({ nameId: 'p-ada', email: 'ada@globex.example', name: 'Ada' });
    // The IdP (127.0.0.1) and we (localhost) are different sites, as in production.
    expect(new URL(samlIdp.ssoUrl).hostname).not.toBe(new URL(idp.url).hostname);

    const context = await browser.newContext({ locale: 'en-US' });
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
      await page.getByLabel('E-mail address').fill('ada@globex.example');
      await Promise.all([
        page.waitForURL((u) => u.href.startsWith(samlIdp.ssoUrl)),
        page.getByRole('button', { name: 'Continue' }).click(),
      ]);
      await page.screenshot({ path: path.join(ARTIFACTS, 'saml-idp-post.png'), fullPage: true });
      await Promise.all([
        page.waitForURL((u) => u.href.startsWith(app.redirectUri), { timeout: 15_000 }),
        page.getByRole('button', { name: 'Continue' }).click(),
      ]);
      await page.screenshot({ path: path.join(ARTIFACTS, 'saml-back-at-app.png'), fullPage: true });
      const tokens = await oidc.authorizationCodeGrant(config, new URL(page.url()), { pkceCodeVerifier: verifier });
      expect(tokens.claims()).toMatchObject({ tenant: 'globex', email: 'ada@globex.example', amr: ['fed'] });
    } finally {
      await context.close();
    }
  });
  test('HTTP-POST binding: our page submits the signed AuthnRequest by itself (self-hosted script under our CSP)', async () => {
    const tenant = await idp.services.tenants.create({ slug: 'initech', name: 'Initech', domains: ['initech.example'] });
    samlIdp.setMetadata({ ssoBinding: 'post' });
    await idp.services.connections.create(tenant.id, {
      kind: 'saml',
      name: 'Initech SSO',
      metadataXml: samlIdp.metadataXml(),
      firstSignIn: 'create',
      emailVerified: true,
    });
    samlIdp.setMetadata({});
    const { client, secret } = await idp.services.clients.create({ name: 'Portal 2', redirectUris: [app.redirectUri], firstParty: true });
    samlIdp.signInAs({ nameId: 'p-bob', email: 'bob@initech.example', name: 'Bob' });
    const context = await browser.newContext({ locale: 'en-US' });
    const violations: string[] = [];
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
      page.on('console', (message) => {
        if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
      });
      await page.goto(url.toString());
      await page.getByLabel('E-mail address').fill('bob@initech.example');
      // No click on our hand-over page: the script posts the form, and the IdP's page is next.
      await Promise.all([
        page.waitForURL((u) => u.href.startsWith(samlIdp.ssoUrl), { timeout: 15_000 }),
        page.getByRole('button', { name: 'Continue' }).click(),
      ]);
      expect(samlIdp.lastAuthnRequest()?.binding).toBe('post');
      await Promise.all([
        page.waitForURL((u) => u.href.startsWith(app.redirectUri), { timeout: 15_000 }),
        page.getByRole('button', { name: 'Continue' }).click(),
      ]);
      const tokens = await oidc.authorizationCodeGrant(config, new URL(page.url()), { pkceCodeVerifier: verifier });
      expect(tokens.claims()).toMatchObject({ tenant: 'initech', email: 'bob@initech.example' });
      expect(violations).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
