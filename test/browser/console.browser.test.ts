import { mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startIdp, type TestIdp } from '../support/server.js';
import { PASSWORD } from '../support/fixtures.js';
import { describeBrowser, launchChromium } from '../support/browser.js';
import { codeFor } from '../support/totp.js';
import { consoleAdmin } from '../support/console.js';
import { seriousViolations } from '../support/axe.js';
import { waitForOutbox } from '../support/outbox.js';

const ARTIFACTS = path.resolve('test-artifacts', 'console');
/** Each test walks many pages; on a busy machine that takes a while (no assertion depends on time). */
const LONG = 240_000;
const ENTRA_TENANT_ID = '72f988bf-86f1-41af-91ab-2d7cd011db47';

describeBrowser('the administration console in Chromium', () => {
  let idp: TestIdp;
  let browser: Browser;
  let context: BrowserContext | undefined;
  /** Content-Security-Policy reports and script errors the pages caused: there must be none. */
  let problems: string[] = [];

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await launchChromium();
    idp = await startIdp();
    await idp.services.tenants.create({ slug: 'acme', name: 'Acme AB', domains: ['acme.example'] });
    await idp.services.tenants.create({ slug: 'globex', name: 'Globex Ltd', domains: [] });
  }, LONG);
  afterEach(async () => {
    // Where each test ended (for a failed one: where it stopped).
    const last = context?.pages().at(-1);
    if (last)
      await last
        .screenshot({
          path: path.join(ARTIFACTS, `end-${(expect.getState().currentTestName ?? '').replace(/[^a-z]+/gi, '-').slice(30, 60)}.png`),
        })
        .catch(() => undefined);
    await context?.close();
    context = undefined;
  });
  afterAll(async () => {
    await browser?.close();
    await idp?.stop();
  });

  async function open(locale = 'en-US', width = 1280): Promise<Page> {
    context = await browser.newContext({ locale, viewport: { width, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(45_000);
    problems = [];
    page.on('console', (message) => {
      // Failed loads are judged by the response listener below, which knows the URL.
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) problems.push(message.text());
    });
    // A stylesheet or script that does not load; documents may answer 4xx on purpose (a refused form, another tenant).
    page.on('response', (response) => {
      const request = response.request();
      if (response.status() >= 400 && request.resourceType() !== 'document' && !request.url().endsWith('/favicon.ico'))
        problems.push(`${response.status()} ${request.url()}`);
    });
    page.on('pageerror', (error) => problems.push(error.message));
    return page;
  }

  /** The hosted sign-in, both steps, then back in the console. */
  async function signIn(page: Page, email: string, secret: string, labels = { email: 'E-mail address', password: 'Password' }) {
    await page.goto(`${idp.url}/console/`);
    await page.getByLabel(labels.email).fill(email);
    await page.locator('button[type=submit]').click();
    await page.getByLabel(labels.password).fill(PASSWORD);
    await page.locator('button[type=submit]').first().click();
    await page.locator('#code').fill(codeFor(secret, 1));
    await Promise.all([page.waitForURL((url) => url.pathname.startsWith('/console/tenants')), page.locator('button[type=submit]').click()]);
  }

  /** A screenshot, axe-core's serious and critical findings (none allowed), and no CSP report. */
  async function check(page: Page, name: string): Promise<void> {
    await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
    const violations = await seriousViolations(page);
    expect({ page: name, violations }).toEqual({ page: name, violations: [] });
    expect({ page: name, problems }).toEqual({ page: name, problems: [] });
  }

  test(
    'a tenant admin signs in with two steps, fixes a refused policy, invites and unlocks accounts, and cannot open another tenant',
    async () => {
      const admin = await consoleAdmin(idp, 'acme', 'admin@acme.example', [{ role: 'tenant-admin', tenant: 'acme' }], 'Agnes Admin');
      const locked = await idp.services.accounts.create(admin.tenant.id, {
        email: 'locked@acme.example',
        name: 'Lars Locked',
        password: PASSWORD,
      });
      for (let i = 0; i < 5; i++) await idp.services.accounts.confirmPassword((await idp.services.accounts.findById(locked.id))!, 'wrong');
      expect((await idp.services.accounts.findById(locked.id))!.state).toBe('locked');

      const page = await open();
      await signIn(page, admin.account.email!, admin.secret);
      await page.getByRole('heading', { level: 1, name: 'Acme AB' }).waitFor();
      await check(page, 'tenant');

      // The policy: the API's rule shows next to the field, and the person fixes it.
      await page.getByRole('link', { name: 'Sign-in policy' }).click();
      await page.getByLabel('Minimum length').fill('10');
      await page.getByLabel('Maximum length').fill('20');
      await page.getByRole('button', { name: 'Save' }).click();
      const maxLength = page.getByLabel('Maximum length');
      await expect(maxLength.getAttribute('aria-invalid')).resolves.toBe('true');
      // The API's own message (at least 64 characters must always be allowed), at the field.
      await expect(page.locator('#f-password-maxLength-error').textContent()).resolves.toContain('64');
      await expect(page.getByLabel('Minimum length').getAttribute('aria-invalid')).resolves.toBeNull();
      // The error is tied to its field for screen readers, and the summary took the focus.
      await expect(maxLength.getAttribute('aria-describedby')).resolves.toContain('f-password-maxLength-error');
      await expect(page.evaluate('document.activeElement?.id')).resolves.toBe('error-summary');
      await check(page, 'policy-refused');
      expect((await idp.services.tenants.findBySlug('acme'))!.policy.password).toMatchObject({ minLength: 6, maxLength: 256 });
      await maxLength.fill('128');
      await page.getByLabel('Everyone must use two-step verification').check();
      await page.getByRole('button', { name: 'Save' }).click();
      await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
      const policy = (await idp.services.tenants.findBySlug('acme'))!.policy;
      expect(policy.password).toMatchObject({ minLength: 10, maxLength: 128, require2fa: true });
      await check(page, 'policy');

      // Invite a new account.
      await page.getByRole('link', { name: 'Back to Acme AB' }).click();
      await page.getByRole('link', { name: 'Accounts' }).click();
      await page.getByRole('link', { name: 'New account' }).click();
      await page.getByLabel('E-mail address').fill('new.person@acme.example');
      await page.getByLabel('Name').fill('Nina New');
      await check(page, 'account-new');
      await page.getByRole('button', { name: 'Create' }).click();
      await page.getByRole('status').filter({ hasText: 'The invitation is on its way.' }).waitFor();
      await expect(page.locator('#account-state').textContent()).resolves.toBe('Invited');
      const invited = await idp.storage.accounts.findByEmail(admin.tenant.id, 'new.person@acme.example');
      expect(invited).toMatchObject({ state: 'invited', name: 'Nina New' });
      const mails = await waitForOutbox(idp.dataDir, 1, 10_000);
      expect(mails.some((mail) => /^To: .*new\.person@acme\.example/m.test(mail))).toBe(true);

      // Find the locked account by search, and unlock it with a reason.
      await page.getByRole('link', { name: 'Accounts: Acme AB' }).click();
      await page.getByLabel('E-mail or name').fill('lars');
      await page.getByLabel('State').selectOption('locked');
      await page.getByRole('button', { name: 'Search' }).click();
      await check(page, 'accounts');
      await expect(page.locator('tbody tr').count()).resolves.toBe(1);
      await page.getByRole('link', { name: 'locked@acme.example' }).click();
      await expect(page.locator('#account-state').textContent()).resolves.toBe('Locked');
      await check(page, 'account-locked');
      await page.getByRole('button', { name: 'Unlock the account' }).click();
      // Without a reason the API refuses, and says so at the field.
      await expect(page.locator('#f-reason-error').textContent()).resolves.toContain('say why the account is unlocked');
      await page.getByLabel('Reason (kept in the audit trail)').fill('Called the service desk, identity checked');
      await page.getByRole('button', { name: 'Unlock the account' }).click();
      await page.getByRole('status').filter({ hasText: 'The account is unlocked.' }).waitFor();
      await expect(page.locator('#account-state').textContent()).resolves.toBe('Active');
      expect((await idp.services.accounts.findById(locked.id))!).toMatchObject({ state: 'active', failedAttempts: 0 });
      const unlocks = await idp.services.audit.list({ tenantId: admin.tenant.id, action: 'admin.account.unlock', limit: 10 });
      // Recorded as the person's own act, from their browser, with the reason they gave.
      expect(unlocks[0]).toMatchObject({
        actor: { type: 'user', id: admin.account.id },
        target: { id: locked.id },
        details: expect.objectContaining({ reason: 'Called the service desk, identity checked' }),
      });
      expect(unlocks[0]!.userAgent).toMatch(/Chrome/);

      // The audit trail of the tenant shows the person's own actions.
      await page.getByRole('link', { name: 'Audit trail' }).click();
      await page.locator('#audit-events').waitFor();
      await expect(page.locator('#audit-events').textContent()).resolves.toContain('account.unlock');
      await check(page, 'audit');

      // Another tenant, by URL: refused by the API, shown as a page.
      const other = await page.goto(`${idp.url}/console/tenants/globex`);
      expect(other!.status()).toBe(403);
      await expect(page.locator('main').textContent()).resolves.toContain('You do not have access to this.');
      const otherPolicy = await page.goto(`${idp.url}/console/tenants/globex/policy`);
      expect(otherPolicy!.status()).toBe(403);
      await check(page, 'forbidden');
      expect((await idp.services.tenants.findBySlug('globex'))!.policy.password.minLength).toBe(6);
    },
    LONG,
  );

  test(
    'a super-admin creates a tenant and an Entra ID connection, and grants support access',
    async () => {
      const admin = await consoleAdmin(idp, 'operators', 'root@ops.example', [{ role: 'super-admin' }], 'Sam Super');
      const helper = await consoleAdmin(idp, 'operators', 'helper@ops.example', [], 'Hedda Helpdesk');

      const page = await open();
      await signIn(page, admin.account.email!, admin.secret);
      await page.getByRole('heading', { level: 1, name: 'Tenants' }).waitFor();
      await check(page, 'tenants');

      await page.getByRole('link', { name: 'New tenant' }).click();
      await page.getByLabel('Short name (slug)').fill('Initech!');
      await page.getByLabel('Name', { exact: true }).fill('Initech AB');
      await page.getByLabel('E-mail domains').fill('initech.example\nmail.initech.example');
      await page.getByRole('button', { name: 'Create' }).click();
      // The slug is refused at its field; nothing was created.
      await expect(page.locator('#f-slug-error').textContent()).resolves.toContain('lower-case letters');
      await check(page, 'tenant-new-refused');
      await page.getByLabel('Short name (slug)').fill('initech');
      await page.getByRole('button', { name: 'Create' }).click();
      await page.getByRole('heading', { level: 1, name: 'Initech AB' }).waitFor();
      const tenant = (await idp.services.tenants.findBySlug('initech'))!;
      expect(tenant.domains).toEqual(['initech.example', 'mail.initech.example']);

      await page.getByRole('link', { name: 'Connections' }).click();
      await check(page, 'connections');
      await page.getByRole('link', { name: 'Connect Microsoft Entra ID (Office 365)' }).click();
      await expect(page.locator('#redirect-uri').textContent()).resolves.toBe(`${idp.url}/federation/callback`);
      await page.getByLabel('Name shown on the sign-in button').fill('Initech Microsoft');
      await page.getByLabel('Client (application) id').fill('11111111-2222-3333-4444-555555555555');
      await page.getByLabel('Client secret').fill('an upstream secret');
      await page.getByLabel('Allowed Entra tenant ids (directory ids)').fill(ENTRA_TENANT_ID);
      await check(page, 'connection-entra');
      await page.getByRole('button', { name: 'Create' }).click();
      await page.getByRole('status').filter({ hasText: 'The connection is created.' }).waitFor();
      const [connection] = await idp.services.connections.list(tenant.id);
      await check(page, 'connection');
      expect(connection).toMatchObject({ kind: 'entra', name: 'Initech Microsoft', allowedEntraTenants: [ENTRA_TENANT_ID] });
      // The secret went to the store, sealed, and never back into the page.
      expect(await page.content()).not.toContain('an upstream secret');
      await expect(page.locator('#redirect-uri').textContent()).resolves.toBe(`${idp.url}/federation/callback`);

      // SAML: without metadata or details the API says what it needs, at the metadata URL field.
      await page.goto(`${idp.url}/console/tenants/initech/connections/new?kind=saml`);
      await page.getByLabel('Name shown on the sign-in button').fill('Initech ADFS');
      await page.getByRole('button', { name: 'Create' }).click();
      await expect(page.locator('#f-metadataUrl-error').textContent()).resolves.toContain('give one of');
      await check(page, 'connection-saml-refused');
      // GrandID (Swedish e-ID): the keys are write-only, and a refused form never shows them again.
      await page.goto(`${idp.url}/console/tenants/initech/connections/new?kind=grandid`);
      await page.getByLabel('Name shown on the sign-in button').fill('BankID');
      await page.getByLabel('GrandID address').fill('ftp://grandid.example/');
      await page.getByLabel('API key').fill('grandid-api-key-1');
      await page.getByLabel('Service key').fill('grandid-service-key-1');
      await page.getByRole('button', { name: 'Create' }).click();
      await expect(page.locator('#f-baseUrl-error').textContent()).resolves.toContain('https URL');
      expect(await page.content()).not.toContain('grandid-api-key-1');
      await page.getByLabel('GrandID address').fill('https://client-test.grandid.com/json1.1/');
      await page.getByLabel('API key').fill('grandid-api-key-1');
      await page.getByLabel('Service key').fill('grandid-service-key-1');
      await page.getByRole('button', { name: 'Create' }).click();
      await page.getByRole('status').filter({ hasText: 'The connection is created.' }).waitFor();
      await check(page, 'connection-grandid');
      expect((await idp.services.connections.list(tenant.id)).map((c) => c.kind).sort()).toEqual(['entra', 'grandid']);

      await page.goto(`${idp.url}/console/tenants/initech/support-grants`);
      await page.getByLabel('Support person (e-mail)').selectOption({ label: 'Hedda Helpdesk <helper@ops.example>' });
      await page.getByLabel('Reason').fill('The customer asked for help with their policy');
      await page.getByLabel('Case reference').fill('CASE-1234');
      await page.getByLabel('For how many hours').fill('4');
      await page.getByRole('button', { name: 'Grant support access' }).click();
      await page.getByRole('status').filter({ hasText: 'Support access is granted.' }).waitFor();
      await expect(page.locator('tbody').textContent()).resolves.toContain('helper@ops.example');
      await check(page, 'support-grants');
      const authority = await idp.services.roles.authorityOf(helper.account);
      expect(authority.supportGrants).toEqual([expect.objectContaining({ tenantId: tenant.id })]);

      await page.getByRole('link', { name: 'Applications' }).click();
      await page.getByRole('link', { name: 'New application' }).click();
      await page.getByLabel('Name').fill('Initech Portal');
      await page.getByLabel('Redirect URIs', { exact: true }).fill('https://portal.initech.example/callback');
      await page.getByRole('button', { name: 'Create' }).click();
      const secret = (await page.locator('#client-secret').textContent())!;
      expect(secret.length).toBeGreaterThan(20);
      await check(page, 'client-created');
      await page.goto(`${idp.url}/console/clients`);
      await check(page, 'clients');
      expect(await page.content()).not.toContain(secret);

      // Sign out: the provider asks, then the console is signed out.
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('button', { name: 'Yes, sign me out' }).click();
      await page.waitForURL((url) => url.pathname === '/auth' || url.pathname.startsWith('/interaction/'));
      await page.getByLabel('E-mail address').waitFor();
    },
    LONG,
  );

  test(
    'in Swedish at 360 px: the pages fit, every control is reachable by keyboard',
    async () => {
      const admin = await consoleAdmin(idp, 'acme', 'smal@acme.example', [{ role: 'tenant-admin', tenant: 'acme' }], 'Sara Smal');
      const page = await open('sv-SE', 360);
      await signIn(page, admin.account.email!, admin.secret, { email: 'E-postadress', password: 'Lösenord' });
      await page.getByRole('heading', { level: 1, name: 'Acme AB' }).waitFor();
      await expect(page.locator('html').getAttribute('lang')).resolves.toBe('sv');
      for (const [name, url] of [
        ['sv-tenant', '/console/tenants/acme'],
        ['sv-policy', '/console/tenants/acme/policy'],
        ['sv-accounts', '/console/tenants/acme/accounts'],
      ] as const) {
        await page.goto(`${idp.url}${url}`);
        expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(360);
        await check(page, name);
      }
      // The first Tab reaches the skip link, which moves to the content.
      await page.keyboard.press('Tab');
      await expect(page.evaluate('document.activeElement?.textContent')).resolves.toBe('Hoppa till innehållet');
      await page.keyboard.press('Enter');
      await expect(page.evaluate('location.hash')).resolves.toBe('#main');
      expect(readdirSync(ARTIFACTS).length).toBeGreaterThan(5);
      // The language switch keeps the page and the choice.
      await page.getByRole('link', { name: 'English' }).click();
      await page.getByRole('heading', { level: 1, name: 'Accounts: Acme AB' }).waitFor();
      await expect(page.locator('html').getAttribute('lang')).resolves.toBe('en');
      await page.getByRole('link', { name: 'Back to Acme AB' }).click();
      await page.getByRole('link', { name: 'Sign-in policy' }).waitFor();
    },
    LONG,
  );
});
