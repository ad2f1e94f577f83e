import type { Browser } from 'playwright-core';
import { startIdp, type TestIdp } from '../support/server.js';
import { describeBrowser, launchChromium } from '../support/browser.js';
import { linkIn, startSmtpServer } from '../support/smtp.js';

describeBrowser('following the link from a captured e-mail in Chromium', () => {
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  let idp: TestIdp;
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
    smtp = await startSmtpServer();
    idp = await startIdp({ SMTP_URL: smtp.url });
  });
  afterAll(async () => {
    await browser?.close();
    await idp?.stop();
    await smtp?.close();
  });

  test('an invited person sets a password in Swedish and lands signed in on Min profil', async () => {
    const tenant = await idp.services.tenants.create({ slug: 'acme', name: 'Acme AB', locale: 'sv' });
    const account = await idp.services.accounts.create(tenant.id, { email: 'ny@acme.example', name: 'Nina Ny' });
    expect(await idp.services.links.sendInvitation(account, 'en')).toBe(true);
    const [mail] = await smtp.waitFor(1);
    expect(mail!.text).toContain('Välj ditt lösenord');

    const context = await browser.newContext({ locale: 'sv-SE' });
    try {
      const page = await context.newPage();
      await page.goto(linkIn(mail!));
      await page.getByRole('heading', { name: 'Välj ditt lösenord' }).waitFor();
      await page.getByLabel('Nytt lösenord').fill('123456');
      await page.getByRole('button', { name: 'Spara lösenord' }).click();
      await page.getByText('Det här är ett av de vanligaste lösenorden.').waitFor();
      await page.getByLabel('Nytt lösenord').fill('en lång och egen fras');
      await page.getByRole('button', { name: 'Spara lösenord' }).click();
      await page.getByRole('heading', { name: 'Min profil' }).waitFor();
      expect(await page.textContent('main')).toContain('ny@acme.example');
      expect((await idp.services.accounts.findById(account.id))!.state).toBe('active');
    } finally {
      await context.close();
    }
  });
});
