import * as oidc from 'openid-client';
import { startIdp, type TestIdp } from '../support/server.js';
import { FormClient, csrfToken, formAction, signIn } from '../support/form-client.js';
import { PASSWORD, seed } from '../support/fixtures.js';

const REDIRECT_URI = 'http://localhost:8123/callback';

describe('authorization requests: clients, redirects, tenants and consent', () => {
  let idp: TestIdp;
  let fixture: Awaited<ReturnType<typeof seed>>;

  beforeAll(async () => {
    idp = await startIdp();
    fixture = await seed(idp, { redirectUri: REDIRECT_URI });
  });
  afterAll(() => idp.stop());

  function authUrl(params: Record<string, string>) {
    const url = new URL('/auth', idp.url);
    url.search = new URLSearchParams({
      client_id: fixture.client.id,
      redirect_uri: REDIRECT_URI,
      response_type: 'code',
      scope: 'openid',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
      ...params,
    }).toString();
    return url.toString();
  }

  test('an unknown client gets an error page, never a redirect', async () => {
    const response = await fetch(authUrl({ client_id: 'no-such-client' }), { redirect: 'manual' });
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expect(await response.text()).toContain('The application is not known.');
  });

  test('an unregistered redirect URI gets an error page and is never followed (no open redirect)', async () => {
    for (const uri of [
      'https://evil.example/callback',
      `${REDIRECT_URI}/../evil`,
      `${REDIRECT_URI}?x=1`,
      'http://localhost:8123/callbackx',
    ]) {
      const response = await fetch(authUrl({ redirect_uri: uri }), { redirect: 'manual' });
      expect(response.status).toBe(400);
      expect(response.headers.get('location')).toBeNull();
      const html = await response.text();
      expect(html).toContain('The application asked to return to an address it has not registered.');
      expect(html).not.toContain('evil.example');
    }
  });

  test('a public client must send a PKCE S256 challenge', async () => {
    const { client } = await idp.services.clients.create({ name: 'SPA', redirectUris: [REDIRECT_URI], public: true });
    const url = new URL(authUrl({ client_id: client.id }));
    url.searchParams.delete('code_challenge');
    url.searchParams.delete('code_challenge_method');
    const response = await fetch(url, { redirect: 'manual' });
    const location = new URL(response.headers.get('location')!);
    expect(location.origin + location.pathname).toBe(REDIRECT_URI);
    expect(location.searchParams.get('error')).toBe('invalid_request');
    const plain = await fetch(authUrl({ client_id: client.id, code_challenge_method: 'plain' }), { redirect: 'manual' });
    expect(new URL(plain.headers.get('location')!).searchParams.get('error')).toBe('invalid_request');
  });

  test("a tampered state in the callback is caught by the relying app's library", async () => {
    const config = await oidc.discovery(new URL(idp.url), fixture.client.id, fixture.secret, undefined, {
      execute: [oidc.allowInsecureRequests],
    });
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid',
      state: 'original-state',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    const callback = new URL(await signIn(new FormClient(idp.url), url.toString(), 'ann@acme.example', PASSWORD));
    expect(callback.searchParams.get('state')).toBe('original-state');
    callback.searchParams.set('state', 'tampered');
    const error = await oidc
      .authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: 'original-state' })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'OAUTH_INVALID_RESPONSE', cause: { message: 'unexpected "state" response parameter value' } });
  });

  test('an unknown tenant parameter is an error page; a known one limits sign-in to that tenant', async () => {
    const unknown = await new FormClient(idp.url).follow(authUrl({ tenant: 'no-such-tenant' }));
    expect(unknown.response.status).toBe(400);
    expect(unknown.html).toContain('The organisation does not exist.');

    const other = await idp.services.tenants.create({ slug: 'other', name: 'Other Org' });
    const browser = new FormClient(idp.url);
    const start = await browser.follow(authUrl({ tenant: 'other' }));
    const csrf = csrfToken(start.html);
    const step = await browser.follow(formAction(start.html, '/email'), { form: { csrf, email: 'ann@acme.example' } });
    const refused = await browser.request(formAction(step.html, '/password'), { form: { csrf, password: PASSWORD } });
    expect(refused.status).toBe(401);
    const [event] = await idp.services.audit.list({ action: 'login.password', limit: 1 });
    expect(event).toMatchObject({ outcome: 'failure', reason: 'unknown_account', tenantId: null });
    expect(other.slug).toBe('other');
  });

  test('a client limited to some tenants refuses people of other tenants, even with the right password', async () => {
    const partner = await idp.services.tenants.create({ slug: 'partner', name: 'Partner' });
    const { client } = await idp.services.clients.create({
      name: 'Partner app',
      redirectUris: [REDIRECT_URI],
      tenants: ['partner'],
      firstParty: true,
    });
    expect(client.tenantIds).toEqual([partner.id]);
    const browser = new FormClient(idp.url);
    const start = await browser.follow(authUrl({ client_id: client.id }));
    const csrf = csrfToken(start.html);
    const step = await browser.follow(formAction(start.html, '/email'), { form: { csrf, email: 'ann@acme.example' } });
    const refused = await browser.request(formAction(step.html, '/password'), { form: { csrf, password: PASSWORD } });
    // The same answer as a wrong password (saying more would confirm the password), and nothing counted.
    expect(refused.status).toBe(401);
    expect(await refused.text()).toContain('The e-mail address or password is not correct.');
    expect((await idp.services.accounts.findById(fixture.account.id))!.failedAttempts).toBe(0);

    // An existing session from another app does not carry the person past the restriction either.
    const sso = new FormClient(idp.url);
    await signIn(sso, authUrl({}), 'ann@acme.example', PASSWORD);
    const again = await sso.follow(authUrl({ client_id: client.id }));
    expect(again.location).toBeNull();
    expect(again.html).toContain('name="email"');
  });

  test('the same e-mail in two tenants: the person picks one after the password, and only among verified ones', async () => {
    const second = await idp.services.tenants.create({ slug: 'second', name: 'Second Org' });
    const twin = await idp.services.accounts.create(second.id, { email: 'ann@acme.example', password: PASSWORD });
    const third = await idp.services.tenants.create({ slug: 'third', name: 'Third Org' });
    const stranger = await idp.services.accounts.create(third.id, { email: 'ann@acme.example', password: 'a different secret' });
    const browser = new FormClient(idp.url);
    const start = await browser.follow(authUrl({}));
    const csrf = csrfToken(start.html);
    const step = await browser.follow(formAction(start.html, '/email'), { form: { csrf, email: 'ann@acme.example' } });
    const choice = await browser.follow(formAction(step.html, '/password'), { form: { csrf, password: PASSWORD } });
    expect(choice.html).toContain('Second Org');
    expect(choice.html).toContain('Acme AB');
    expect(choice.html).not.toContain('Third Org');
    // The third account shares the e-mail but not the password: choosing it must fail.
    const forged = await browser.request(formAction(choice.html, '/tenant'), { form: { csrf, account: stranger.id } });
    expect(forged.status).toBe(400);
    expect((await idp.services.accounts.findById(stranger.id))!.lastLoginAt).toBeNull();
    const done = await browser.follow(formAction(choice.html, '/tenant'), { form: { csrf, account: twin.id } });
    expect(done.location).toMatch(/^http:\/\/localhost:8123\/callback\?code=/);
    await idp.services.accounts.delete(second.id, twin.id);
    await idp.services.accounts.delete(third.id, stranger.id);
  });

  test('an SSO session does not carry over to a request for another tenant, nor for a disabled account', async () => {
    await idp.services.tenants.create({ slug: 'elsewhere', name: 'Elsewhere' });
    const browser = new FormClient(idp.url);
    await signIn(browser, authUrl({}), 'ann@acme.example', PASSWORD);
    expect((await browser.follow(authUrl({ tenant: 'acme' }))).location).toMatch(/code=/);
    const silent = await browser.follow(authUrl({ tenant: 'elsewhere', prompt: 'none' }));
    expect(new URL(silent.location!).searchParams.get('error')).toBe('login_required');

    const account = await idp.services.accounts.create(fixture.tenant.id, { email: 'leaver@acme.example', password: PASSWORD });
    const leaver = new FormClient(idp.url);
    await signIn(leaver, authUrl({}), 'leaver@acme.example', PASSWORD);
    await idp.services.accounts.update(fixture.tenant.id, account.id, { state: 'disabled' });
    const afterDisable = await leaver.follow(authUrl({ prompt: 'none' }));
    expect(afterDisable.response.status).toBeLessThan(500);
    expect(new URL(afterDisable.location!).searchParams.get('error')).toBe('login_required');
  });

  test('a third-party client asks for consent; denying returns access_denied to the app', async () => {
    const { client } = await idp.services.clients.create({ name: 'Third Party', redirectUris: [REDIRECT_URI], firstParty: false });
    const browser = new FormClient(idp.url);
    const start = await browser.follow(authUrl({ client_id: client.id, scope: 'openid email' }));
    const csrf = csrfToken(start.html);
    const step = await browser.follow(formAction(start.html, '/email'), { form: { csrf, email: 'ann@acme.example' } });
    const consent = await browser.follow(formAction(step.html, '/password'), { form: { csrf, password: PASSWORD } });
    expect(consent.html).toContain('Third Party asks for access to:');
    expect(consent.html).toContain('Your e-mail address');
    const consentCsrf = csrfToken(consent.html);
    const denied = await browser.follow(formAction(consent.html, '/abort'), { form: { csrf: consentCsrf } });
    expect(new URL(denied.location!).searchParams.get('error')).toBe('access_denied');

    const retry = await browser.follow(authUrl({ client_id: client.id, scope: 'openid email' }));
    const allowed = await browser.follow(formAction(retry.html, '/consent'), { form: { csrf: csrfToken(retry.html) } });
    expect(allowed.location).toMatch(/^http:\/\/localhost:8123\/callback\?code=/);
  });

  test('logout to an unregistered post-logout URI is refused', async () => {
    const response = await fetch(
      `${idp.url}/session/end?client_id=${fixture.client.id}&post_logout_redirect_uri=${encodeURIComponent('https://evil.example/')}`,
      { redirect: 'manual' },
    );
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
  });
});
