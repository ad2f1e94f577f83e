import * as oidc from 'openid-client';
import { startIdp, type TestIdp } from '../support/server.js';
import { FormClient, csrfToken, formAction, signIn } from '../support/form-client.js';
import { PASSWORD } from '../support/fixtures.js';
import { startLogoutReceiver, type LogoutReceiver } from '../support/logout-receiver.js';
import type { Tenant } from '../../src/tenants/types.js';

const REDIRECT_URI = 'http://localhost:8123/callback';

describe('My profile: the apps a person signed in to, with their access, each revocable', () => {
  let idp: TestIdp;
  let receiver: LogoutReceiver;
  let tenant: Tenant;
  let n = 0;

  beforeAll(async () => {
    receiver = await startLogoutReceiver();
    idp = await startIdp();
    tenant = await idp.services.tenants.create({ slug: 'acme', name: 'Acme AB', domains: [] });
  });
  afterAll(async () => {
    await idp.stop();
    await receiver.close();
  });

  async function app(name: string, backchannel = true) {
    const { client, secret } = await idp.services.clients.create({
      name,
      redirectUris: [REDIRECT_URI],
      firstParty: true,
      ...(backchannel ? { backchannelLogoutUri: `${receiver.url}/${pathOf(name)}`, backchannelLogoutSessionRequired: true } : {}),
    });
    const config = await oidc.discovery(new URL(idp.url), client.id, secret!, undefined, { execute: [oidc.allowInsecureRequests] });
    return { client, config };
  }
  const pathOf = (name: string) => name.toLowerCase().replace(/\W+/g, '-');

  async function signInTo(config: oidc.Configuration, browser: FormClient, email: string) {
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc
      .buildAuthorizationUrl(config, {
        redirect_uri: REDIRECT_URI,
        scope: 'openid email offline_access',
        prompt: 'consent',
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
      })
      .toString();
    const answered = await browser.follow(url);
    const callback = answered.location ?? (await signIn(browser, url, email, PASSWORD));
    return oidc.authorizationCodeGrant(config, new URL(callback), { pkceCodeVerifier: verifier });
  }

  async function person(headers: Record<string, string> = {}) {
    const account = await idp.services.accounts.create(tenant.id, { email: `p${(n += 1)}@acme.example`, password: PASSWORD });
    return { account, browser: new FormClient(idp.url, headers) };
  }

  const grantIdsIn = (html: string) => [...html.matchAll(/name="grant" value="([^"]+)"/g)].map((m) => m[1]!);

  test('lists the app with its access and time; revoking ends its refresh tokens and tells the app', async () => {
    const mail = await app('Mail App');
    const wiki = await app('Wiki', false);
    const { account, browser } = await person();
    const mailTokens = await signInTo(mail.config, browser, account.email);
    const wikiTokens = await signInTo(wiki.config, browser, account.email);

    const profile = await browser.follow('/account');
    expect(profile.html).toContain('Applications you have signed in to');
    expect(profile.html).toContain('<strong>Mail App</strong>');
    expect(profile.html).toContain('Access: Your identity, Your e-mail address, Staying signed in');
    expect(profile.html).toMatch(/Allowed \d{1,2} \w{3} \d{4}/);
    expect(profile.html).not.toContain('<strong>My profile</strong>');
    const grants = grantIdsIn(profile.html);
    expect(grants).toHaveLength(2);

    const mailGrant = grants[profile.html.indexOf('Mail App') < profile.html.indexOf('Wiki') ? 0 : 1]!;
    const done = await browser.follow('/account/apps/revoke', { form: { csrf: csrfToken(profile.html), grant: mailGrant } });
    expect(done.response.status).toBe(200);
    expect(done.html).toContain('The application no longer has access.');
    expect(done.html).not.toContain('<strong>Mail App</strong>');
    expect(done.html).toContain('<strong>Wiki</strong>');

    await expect(oidc.refreshTokenGrant(mail.config, mailTokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect((await oidc.refreshTokenGrant(wiki.config, wikiTokens.refresh_token!)).access_token).toEqual(expect.any(String));
    const [logout] = await receiver.waitFor('/mail-app');
    expect(logout!.logoutToken).toEqual(expect.any(String));
    const [event] = await idp.services.audit.list({ action: 'account.app_revoke', limit: 1 });
    expect(event).toMatchObject({ outcome: 'success', actor: { id: account.id }, details: { clientId: mail.client.id } });
  });

  test("another person's grant cannot be revoked, nor anything without the form's CSRF token", async () => {
    const shared = await app('Shared');
    const victim = await person();
    const victimTokens = await signInTo(shared.config, victim.browser, victim.account.email);
    const victimGrant = grantIdsIn((await victim.browser.follow('/account')).html)[0]!;

    const attacker = await person();
    await signInTo(shared.config, attacker.browser, attacker.account.email);
    const page = await attacker.browser.follow('/account');
    const refused = await attacker.browser.follow('/account/apps/revoke', { form: { csrf: csrfToken(page.html), grant: victimGrant } });
    expect(refused.response.status).toBe(404);
    expect(refused.html).toContain('That application has no access to revoke.');
    const [event] = await idp.services.audit.list({ action: 'account.app_revoke', limit: 1 });
    expect(event).toMatchObject({ outcome: 'failure', reason: 'not_own_grant', actor: { id: attacker.account.id } });

    const noCsrf = await victim.browser.follow('/account/apps/revoke', { form: { grant: victimGrant } });
    expect(noCsrf.response.status).toBe(403);
    const foreignCsrf = await victim.browser.follow('/account/apps/revoke', { form: { csrf: csrfToken(page.html), grant: victimGrant } });
    expect(foreignCsrf.response.status).toBe(403);
    expect((await oidc.refreshTokenGrant(shared.config, victimTokens.refresh_token!)).access_token).toEqual(expect.any(String));
  });

  test('the sessions list shows this browser first, with device and address; in Swedish for a Swedish person', async () => {
    const { account, browser } = await person({ 'accept-language': 'sv-SE,sv;q=0.9', 'user-agent': 'TestBrowser/1.0 (Here)' });
    const login = await browser.follow('/account');
    const csrf = csrfToken(login.html);
    const step = await browser.follow(formAction(login.html, '/email'), { form: { csrf, email: account.email } });
    const profile = await browser.follow(formAction(step.html, '/password'), { form: { csrf, email: account.email, password: PASSWORD } });
    expect(profile.html).toContain('Där du är inloggad');
    expect(profile.html).toContain('Den här webbläsaren');
    expect(profile.html).toContain('TestBrowser/1.0 (Here)');
    expect(profile.html).toMatch(/från (::ffff:)?127\.0\.0\.1/);
    expect(profile.html).toContain('Tjänster du har loggat in i');
    // One session only: nothing else to sign out of.
    expect(profile.html).not.toContain('Logga ut överallt annars');
  });
});
