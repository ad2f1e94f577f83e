import * as oidc from 'openid-client';
import { startIdp, type TestIdp } from '../support/server.js';
import { FormClient, csrfToken, formAction, signIn } from '../support/form-client.js';
import { PASSWORD, authorizationUrl, seed } from '../support/fixtures.js';
import { LinkTokens, hashToken } from '../../src/links/link-tokens.js';

const REDIRECT_URI = 'http://localhost:8123/callback';
const NEW_PASSWORD = 'a new and long passphrase';

describe('My profile: changing the password', () => {
  let idp: TestIdp;
  let fixture: Awaited<ReturnType<typeof seed>>;

  beforeAll(async () => {
    idp = await startIdp();
    fixture = await seed(idp, { redirectUri: REDIRECT_URI });
  });
  afterAll(() => idp.stop());

  async function openProfile(email: string, password: string) {
    const browser = new FormClient(idp.url);
    const login = await browser.follow('/account');
    const csrf = csrfToken(login.html);
    const step = await browser.follow(formAction(login.html, '/email'), { form: { csrf, email } });
    const page = await browser.follow(formAction(step.html, '/password'), { form: { csrf, password } });
    return { browser, html: page.html };
  }

  test('needs the current password, applies the policy, ends every other session and pending link, keeps this one', async () => {
    const config = await oidc.discovery(new URL(idp.url), fixture.client.id, fixture.secret, undefined, {
      execute: [oidc.allowInsecureRequests],
    });
    const verifier = oidc.randomPKCECodeVerifier();
    const elsewhere = new FormClient(idp.url);
    const callback = await signIn(
      elsewhere,
      oidc
        .buildAuthorizationUrl(config, {
          redirect_uri: REDIRECT_URI,
          scope: 'openid offline_access',
          prompt: 'consent',
          code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
          code_challenge_method: 'S256',
        })
        .toString(),
      fixture.account.email,
      PASSWORD,
    );
    const tokens = await oidc.authorizationCodeGrant(config, new URL(callback), { pkceCodeVerifier: verifier });
    const pendingReset = await new LinkTokens(idp.storage.tokens).issue('reset', fixture.account, 3600_000, null);

    const { browser, html } = await openProfile(fixture.account.email, PASSWORD);
    expect(html).toContain('<h1>My profile</h1>');
    const csrf = csrfToken(html);
    const wrong = await browser.request('/account/password', { form: { csrf, password: 'not it', newPassword: NEW_PASSWORD } });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain('The current password is not correct.');
    expect((await idp.services.accounts.findById(fixture.account.id))!.failedAttempts).toBe(1);
    const weak = await browser.request('/account/password', { form: { csrf, password: PASSWORD, newPassword: '123456' } });
    expect(weak.status).toBe(400);
    expect(await weak.text()).toContain('This is one of the most common passwords.');
    const done = await browser.request('/account/password', { form: { csrf, password: PASSWORD, newPassword: NEW_PASSWORD } });
    expect(await done.text()).toContain('Your password has been changed.');

    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    const silent = await elsewhere.follow(authorizationUrl(idp.url, fixture.client.id, REDIRECT_URI, { prompt: 'none' }));
    expect(new URL(silent.location!).searchParams.get('error')).toBe('login_required');
    expect((await browser.follow('/account')).html).toContain('<h1>My profile</h1>');
    expect(await idp.storage.tokens.findByHash(hashToken(pendingReset))).toBeNull();
    const [event] = await idp.services.audit.list({ action: 'account.password_change', limit: 1 });
    expect(event).toMatchObject({ target: { id: fixture.account.id }, details: { via: 'profile' } });
  });

  test('a form from another site (no CSRF token) or without a session is refused', async () => {
    const { browser } = await openProfile(fixture.account.email, NEW_PASSWORD);
    expect(
      (await browser.request('/account/password', { form: { password: NEW_PASSWORD, newPassword: 'whatever else entirely' } })).status,
    ).toBe(403);
    expect(
      (await new FormClient(idp.url).request('/account/password', { form: { password: NEW_PASSWORD, newPassword: 'x' } })).status,
    ).toBe(401);
  });

  test('"Download my data" gives the person their profile, links, 2FA status and own audit events as JSON, no secret; only with a session', async () => {
    const account = await idp.services.accounts.create(fixture.tenant.id, { email: 'dora@acme.example', name: 'Dora', password: PASSWORD });
    const { browser, html } = await openProfile('dora@acme.example', PASSWORD);
    expect(html).toContain('href="/account/data"');
    const response = await browser.request('/account/data');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="my-data-acme.json"');
    const text = await response.text();
    const data = JSON.parse(text);
    expect(data).toMatchObject({
      format: 'idp-personal-data/1',
      organisation: { id: fixture.tenant.id, slug: 'acme' },
      profile: { id: account.id, email: 'dora@acme.example', name: 'Dora', hasPassword: true },
      linkedIdentities: [],
      secondFactor: { enabled: false, enabledAt: null, recoveryCodesLeft: 0 },
    });
    expect(data.auditEvents.length).toBeGreaterThan(0);
    for (const event of data.auditEvents) expect([event.actor.id, event.target?.id]).toContain(account.id);
    expect(data.auditEvents.map((e: { action: string }) => e.action)).toContain('login.password');
    const stored = (await idp.storage.accounts.findById(account.id))!;
    expect(text).not.toContain(stored.passwordHash!);
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain(fixture.account.id);
    const [downloaded] = await idp.services.audit.list({ action: 'account.data_download', actorId: account.id, limit: 1 });
    expect(downloaded).toMatchObject({ tenantId: fixture.tenant.id, target: { id: account.id } });
    const anonymous = await new FormClient(idp.url).request('/account/data');
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.get('location')).toMatch(/^\/auth\?/);
  });
});
