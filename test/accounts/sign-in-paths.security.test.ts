import * as oidc from 'openid-client';
import { startIdp, type TestIdp } from '../support/server.js';
import { FormClient, codeFlowTokens, csrfToken, formAction, passwordStep, signIn } from '../support/form-client.js';
import { PASSWORD } from '../support/fixtures.js';
import { outbox, waitForOutbox } from '../support/outbox.js';
import type { Tenant } from '../../src/tenants/types.js';

const REDIRECT_URI = 'http://localhost:8123/callback';

/**
 * Every sign-in path asks the one eligibility rule: a tenant that is no longer active (here
 * scheduled for deletion) and a client's tenant limit stop each of them.
 */
describe('each sign-in path applies the one eligibility rule', () => {
  let idp: TestIdp;
  let config: oidc.Configuration;
  let limitedConfig: oidc.Configuration;
  let acme: Tenant;
  let globex: Tenant;

  beforeAll(async () => {
    idp = await startIdp({ LOGIN_RATE_LIMIT: '10000' });
    acme = await idp.services.tenants.create({ slug: 'acme', name: 'Acme', domains: [] });
    globex = await idp.services.tenants.create({ slug: 'globex', name: 'Globex', domains: [] });
    await idp.services.accounts.create(acme.id, { email: 'ann@shared.example', password: PASSWORD });
    await idp.services.accounts.create(globex.id, { email: 'ann@shared.example', password: PASSWORD });
    await idp.services.accounts.create(acme.id, { email: 'solo@acme.example', password: PASSWORD });
    const app = await idp.services.clients.create({
      name: 'Portal',
      redirectUris: [REDIRECT_URI],
      postLogoutRedirectUris: [],
      firstParty: true,
    });
    const limited = await idp.services.clients.create({
      name: 'Acme only',
      redirectUris: [REDIRECT_URI],
      postLogoutRedirectUris: [],
      firstParty: true,
      tenants: [acme.id],
    });
    const discover = (id: string, secret: string) =>
      oidc.discovery(new URL(idp.url), id, secret, undefined, { execute: [oidc.allowInsecureRequests] });
    config = await discover(app.client.id, app.secret!);
    limitedConfig = await discover(limited.client.id, limited.secret!);
  });
  afterAll(() => idp.stop());

  const authorizationUrl = (cfg: oidc.Configuration, extra: Record<string, string> = {}) =>
    oidc
      .buildAuthorizationUrl(cfg, {
        redirect_uri: REDIRECT_URI,
        scope: 'openid offline_access',
        prompt: 'consent',
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        code_challenge_method: 'S256',
        ...extra,
      })
      .toString();

  async function setState(tenant: Tenant, state: Tenant['state']) {
    const current = (await idp.storage.tenants.findById(tenant.id))!;
    expect(await idp.storage.tenants.replace({ ...current, state }, current.state)).toBe(true);
  }

  test('password: an account of a tenant scheduled for deletion takes no part; nothing is counted against it', async () => {
    await setState(globex, 'scheduled_for_deletion');
    try {
      // One e-mail in two tenants, one of them leaving: a wrong password counts only where it could sign in.
      const browser = new FormClient(idp.url);
      const step = await passwordStep(browser, authorizationUrl(config), 'ann@shared.example');
      const wrong = await browser.request(step.action, { form: { csrf: step.csrf, password: 'not the password' } });
      expect(wrong.status).toBe(401);
      expect((await idp.services.accounts.getByEmail(globex.id, 'ann@shared.example')).failedAttempts).toBe(0);
      expect((await idp.services.accounts.getByEmail(acme.id, 'ann@shared.example')).failedAttempts).toBe(1);
      // The right password signs in to the one active tenant, without offering the leaving one.
      const back = await signIn(new FormClient(idp.url), authorizationUrl(config), 'ann@shared.example', PASSWORD);
      expect(back).toMatch(/code=/);
    } finally {
      await setState(globex, 'active');
    }
  });

  test('session: an existing sign-in is not reused, and its tokens stop, once the tenant is no longer active', async () => {
    const browser = new FormClient(idp.url);
    const back = await signIn(browser, authorizationUrl(config), 'solo@acme.example', PASSWORD);
    expect(back).toMatch(/code=/);
    // Single sign-on: the same browser gets straight back to the app.
    const again = await browser.follow(authorizationUrl(config, { prompt: '' }));
    expect(again.location).toMatch(/^http:\/\/localhost:8123\/callback\?code=/);

    await setState(acme, 'scheduled_for_deletion');
    try {
      const refused = await browser.follow(authorizationUrl(config, { prompt: '' }));
      expect(refused.location).toBeNull();
      expect(refused.html).toContain('name="email"');
    } finally {
      await setState(acme, 'active');
    }
  });

  test('tokens: userinfo and refresh stop when the tenant is no longer active', async () => {
    const browser = new FormClient(idp.url);
    const tokens = await codeFlowTokens(config, browser, { email: 'solo@acme.example', password: PASSWORD }, { redirectUri: REDIRECT_URI });
    expect(tokens.refresh_token).toBeTruthy();
    await setState(acme, 'scheduled_for_deletion');
    try {
      await expect(oidc.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub)).rejects.toThrow();
      await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    } finally {
      await setState(acme, 'active');
    }
  });

  test('"My profile": a session of a tenant no longer active is sent back to the sign-in', async () => {
    const browser = new FormClient(idp.url);
    const start = await browser.follow('/account');
    const csrf = csrfToken(start.html);
    const afterEmail = await browser.follow(formAction(start.html, '/email'), { form: { csrf, email: 'ann@shared.example' } });
    const chooser = await browser.follow(formAction(afterEmail.html, '/password'), { form: { csrf, password: PASSWORD } });
    // One e-mail in two tenants: the person chooses Acme.
    const acmeAccount = await idp.services.accounts.getByEmail(acme.id, 'ann@shared.example');
    const profile = await browser.follow(formAction(chooser.html, '/tenant'), { form: { csrf, account: acmeAccount.id } });
    expect(profile.html).toContain('Acme');
    expect(profile.html).toContain('ann@shared.example');

    await setState(acme, 'scheduled_for_deletion');
    try {
      const refused = await browser.request('/account');
      expect(refused.status).toBe(302);
      expect(refused.headers.get('location')).toMatch(/^\/auth\?/);
    } finally {
      await setState(acme, 'active');
    }
  });

  test("forgot password: through a client limited to one tenant, only that tenant's account gets a link", async () => {
    const before = outbox(idp.dataDir).length;
    const browser = new FormClient(idp.url);
    const step = await passwordStep(browser, authorizationUrl(limitedConfig), 'ann@shared.example');
    const forgot = await browser.follow(step.action.replace('/password', '/forgot'));
    const answer = await browser.follow(formAction(forgot.html, '/forgot'), {
      form: { csrf: csrfToken(forgot.html), email: 'ann@shared.example' },
    });
    expect(answer.response.status).toBe(200);
    const mails = await waitForOutbox(idp.dataDir, before + 1);
    // Give a wrongly sent second e-mail time to land before counting.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const sent = outbox(idp.dataDir).slice(before);
    expect(mails.length).toBeGreaterThan(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toContain('Acme');
    expect(sent[0]).not.toContain('Globex');
    const requests = await idp.services.audit.list({ action: 'account.reset_requested', limit: 5 });
    expect(requests.filter((e) => e.tenantId === globex.id)).toHaveLength(0);
  });

  test('link: a reset link of a tenant no longer active does not set a password', async () => {
    const before = outbox(idp.dataDir).length;
    await idp.services.links.requestReset('ann@shared.example', { clientTenantIds: [], requestedTenantId: acme.id }, null, 'en', {
      ip: null,
      userAgent: null,
    });
    const [mail] = (await waitForOutbox(idp.dataDir, before + 1)).slice(before);
    const link = /https?:\/\/[^\s"]+\/password\/set\?token=[\w-]+/.exec(mail!.replace(/=\r?\n/g, '').replace(/=3D/g, '='))![0];
    await setState(acme, 'scheduled_for_deletion');
    try {
      const page = await new FormClient(idp.url).follow(link.replace(/^https?:\/\/[^/]+/, ''));
      expect(page.response.status).toBe(400);
      expect(page.html).not.toContain('name="newPassword"');
    } finally {
      await setState(acme, 'active');
    }
  });
});
