import * as oidc from 'openid-client';
import { startIdp, type TestIdp } from '../support/server.js';
import { FormClient, signIn } from '../support/form-client.js';
import { seed } from '../support/fixtures.js';

const REDIRECT_URI = 'http://localhost:8123/callback';
const POST_LOGOUT_URI = 'http://localhost:8123/signed-out';

describe('a relying app signs a person in with openid-client', () => {
  let idp: TestIdp;
  let fixture: Awaited<ReturnType<typeof seed>>;
  let config: oidc.Configuration;

  beforeAll(async () => {
    idp = await startIdp();
    fixture = await seed(idp, { redirectUri: REDIRECT_URI, postLogoutRedirectUri: POST_LOGOUT_URI });
    config = await oidc.discovery(new URL(idp.url), fixture.client.id, fixture.secret, undefined, {
      execute: [oidc.allowInsecureRequests],
    });
  });
  afterAll(() => idp.stop());

  async function authorize(browser: FormClient, extra: Record<string, string> = {}) {
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid email profile offline_access',
      prompt: 'consent',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
      ...extra,
    });
    const callback = await signIn(browser, url.toString(), 'ANN@acme.example', 'correct horse battery');
    return oidc.authorizationCodeGrant(config, new URL(callback), {
      pkceCodeVerifier: verifier,
      expectedState: state,
      expectedNonce: nonce,
    });
  }

  test('discovery names our endpoints and only S256 PKCE', () => {
    const metadata = config.serverMetadata();
    expect(metadata.issuer).toBe(idp.url);
    expect(metadata.code_challenge_methods_supported).toEqual(['S256']);
    expect(metadata.end_session_endpoint).toBe(`${idp.url}/session/end`);
    expect(metadata.revocation_endpoint).toBe(`${idp.url}/token/revocation`);
    expect(metadata.introspection_endpoint).toBe(`${idp.url}/token/introspection`);
  });

  test('code + PKCE through the login form gives a valid ID token and userinfo', async () => {
    const tokens = await authorize(new FormClient(idp.url));
    const claims = tokens.claims()!;
    expect(claims.sub).toBe(fixture.account.id);
    expect(claims.tenant).toBe('acme');
    expect(claims.aud).toBe(fixture.client.id);
    expect(claims.amr).toEqual(['pwd']);
    const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, fixture.account.id);
    expect(userinfo).toMatchObject({ sub: fixture.account.id, email: 'ann@acme.example', name: 'Ann Andersson', tenant: 'acme' });
    const events = await idp.services.audit.list({ tenantId: fixture.tenant.id, action: 'login.password', limit: 1 });
    expect(events[0]).toMatchObject({ outcome: 'success', actor: { type: 'user', id: fixture.account.id } });
  });

  test('refresh rotates: the old refresh token is refused, and its reuse revokes the new ones too', async () => {
    const tokens = await authorize(new FormClient(idp.url));
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.refresh_token).toBeTruthy();
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    expect(refreshed.claims()!.sub).toBe(fixture.account.id);
    expect((await oidc.tokenIntrospection(config, refreshed.refresh_token!)).active).toBe(true);
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect((await oidc.tokenIntrospection(config, refreshed.refresh_token!)).active).toBe(false);
    expect((await oidc.tokenIntrospection(config, refreshed.access_token)).active).toBe(false);
  });

  test('a revoked access token stops working; logout ends the session and returns to the app', async () => {
    const browser = new FormClient(idp.url);
    const tokens = await authorize(browser);
    expect((await oidc.tokenIntrospection(config, tokens.access_token)).active).toBe(true);
    await oidc.tokenRevocation(config, tokens.access_token);
    expect((await oidc.tokenIntrospection(config, tokens.access_token)).active).toBe(false);
    await expect(oidc.fetchUserInfo(config, tokens.access_token, fixture.account.id)).rejects.toMatchObject({ status: 401 });

    const logoutUrl = oidc.buildEndSessionUrl(config, {
      id_token_hint: tokens.id_token!,
      post_logout_redirect_uri: POST_LOGOUT_URI,
      state: 'bye',
    });
    const confirm = await browser.follow(logoutUrl.toString());
    expect(confirm.response.status).toBe(200);
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(confirm.html)![1]!;
    const action = /id="op.logoutForm" method="post" action="([^"]+)"/.exec(confirm.html)![1]!;
    const done = await browser.follow(action, { form: { xsrf, logout: 'yes' } });
    expect(done.location).toBe(`${POST_LOGOUT_URI}?state=bye`);

    const again = await browser.follow(
      oidc
        .buildAuthorizationUrl(config, {
          redirect_uri: REDIRECT_URI,
          scope: 'openid',
          code_challenge_method: 'S256',
          code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
        })
        .toString(),
    );
    expect(again.location).toBeNull();
    expect(again.html).toContain('name="email"');
    const logouts = await idp.services.audit.list({ action: 'logout', limit: 1 });
    expect(logouts[0]).toMatchObject({ outcome: 'success', tenantId: fixture.tenant.id, actor: { type: 'user', id: fixture.account.id } });
  });

  test('a second authorization in the same browser is answered from the session (SSO)', async () => {
    const browser = new FormClient(idp.url);
    await authorize(browser);
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
    });
    const again = await browser.follow(url.toString());
    expect(again.location).toMatch(/^http:\/\/localhost:8123\/callback\?code=/);
  });

  test('client credentials (and so the admin scope) is refused for an ordinary client', async () => {
    await expect(oidc.clientCredentialsGrant(config, { scope: 'admin' })).rejects.toMatchObject({
      error: 'invalid_request',
      error_description: 'requested grant type is not allowed for this client',
    });
  });

  test('a wrong client secret is refused, and the stored hash is not a usable secret', async () => {
    const wrong = await oidc.discovery(new URL(idp.url), fixture.client.id, 'not-the-secret', undefined, {
      execute: [oidc.allowInsecureRequests],
    });
    await expect(oidc.clientCredentialsGrant(wrong)).rejects.toMatchObject({ error: 'invalid_client' });
    const stored = (await idp.services.clients.get(fixture.client.id)).secretHash!;
    const withHash = await oidc.discovery(new URL(idp.url), fixture.client.id, stored, undefined, {
      execute: [oidc.allowInsecureRequests],
    });
    await expect(oidc.tokenIntrospection(withHash, 'anything')).rejects.toMatchObject({ error: 'invalid_client' });
  });
});
