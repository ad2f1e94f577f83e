import * as oidc from 'openid-client';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { startIdp, type TestIdp } from '../support/server.js';
import { FormClient, csrfToken, formAction, passwordStep, signIn } from '../support/form-client.js';
import { PASSWORD } from '../support/fixtures.js';
import { adminToken, api } from '../support/admin-client.js';
import { startLogoutReceiver, type LogoutReceiver } from '../support/logout-receiver.js';
import { LinkTokens } from '../../src/links/link-tokens.js';
import type { Tenant } from '../../src/tenants/types.js';

const REDIRECT_URI = 'http://localhost:8123/callback';
const POST_LOGOUT_URI = 'http://localhost:8123/signed-out';
const LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

interface App {
  id: string;
  path: string;
  config: oidc.Configuration;
}

describe('OpenID Connect Back-Channel Logout: every way a session ends tells the apps it signed in to', () => {
  let idp: TestIdp;
  let receiver: LogoutReceiver;
  let tenant: Tenant;
  let call: ReturnType<typeof api>;
  let jwks: ReturnType<typeof createRemoteJWKSet>;
  let n = 0;

  beforeAll(async () => {
    receiver = await startLogoutReceiver();
    // Short waits between attempts, so the bounded retries finish within the test.
    idp = await startIdp({ BACKCHANNEL_LOGOUT_RETRY_DELAYS_MS: '100,100' });
    tenant = await idp.services.tenants.create({ slug: 'acme', name: 'Acme AB', domains: [] });
    call = api(idp.url, (await adminToken(idp)).token);
    jwks = createRemoteJWKSet(new URL(`${idp.url}/jwks`));
  });
  afterAll(async () => {
    await idp.stop();
    await receiver.close();
  });

  /** A relying app registered through the admin API, with its back-channel logout URI on the receiver. */
  async function registerApp(path = `/app-${(n += 1)}`): Promise<App> {
    const created = await call('POST', '/clients', {
      name: `App ${path}`,
      redirectUris: [REDIRECT_URI],
      postLogoutRedirectUris: [POST_LOGOUT_URI],
      firstParty: true,
      backchannelLogoutUri: `${receiver.url}${path}`,
      backchannelLogoutSessionRequired: true,
    });
    expect(created.status).toBe(201);
    expect(created.body.client).toMatchObject({ backchannelLogoutUri: `${receiver.url}${path}`, backchannelLogoutSessionRequired: true });
    const config = await oidc.discovery(new URL(idp.url), created.body.client.id, created.body.secret, undefined, {
      execute: [oidc.allowInsecureRequests],
    });
    return { id: created.body.client.id, path, config };
  }

  async function person() {
    return idp.services.accounts.create(tenant.id, { email: `person${(n += 1)}@acme.example`, password: PASSWORD });
  }

  /** Signs in to the app in this browser (through the hosted pages, or the existing session) and redeems the code. */
  async function signInTo(app: App, browser: FormClient, email: string) {
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc
      .buildAuthorizationUrl(app.config, {
        redirect_uri: REDIRECT_URI,
        scope: 'openid offline_access',
        prompt: 'consent',
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
      })
      .toString();
    const answered = await browser.follow(url);
    const callback = answered.location ?? (await signIn(browser, url, email, PASSWORD));
    return oidc.authorizationCodeGrant(app.config, new URL(callback), { pkceCodeVerifier: verifier });
  }

  /** The logout token the app received, checked as a relying party must (OIDC Back-Channel Logout §2.6). */
  async function logoutTokenFor(app: App, tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers, count = 1) {
    const received = await receiver.waitFor(app.path, count);
    const last = received[received.length - 1]!;
    expect(last.contentType).toBe('application/x-www-form-urlencoded');
    expect(decodeProtectedHeader(last.logoutToken).typ).toBe('logout+jwt');
    const { payload } = await jwtVerify(last.logoutToken, jwks, { issuer: idp.url, audience: app.id });
    const idToken = tokens.claims()!;
    expect(idToken.sid).toEqual(expect.any(String));
    expect(payload).toMatchObject({ sub: idToken.sub, sid: idToken.sid, events: { [LOGOUT_EVENT]: {} } });
    expect(payload.jti).toEqual(expect.any(String));
    expect(payload.iat).toEqual(expect.any(Number));
    expect(payload).not.toHaveProperty('nonce');
    return payload;
  }

  async function delivered(app: App, count = 1) {
    for (let i = 0; i < 100; i += 1) {
      const events = (await idp.services.audit.list({ action: 'backchannel_logout.delivered', limit: 200 })).filter(
        (e) => e.target?.id === app.id,
      );
      if (events.length >= count) return events;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('no delivery audited');
  }

  test('discovery advertises back- and front-channel logout', async () => {
    const metadata = (await (await fetch(`${idp.url}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(metadata).toMatchObject({
      backchannel_logout_supported: true,
      backchannel_logout_session_supported: true,
      frontchannel_logout_supported: true,
      frontchannel_logout_session_supported: true,
    });
  });

  test('the logout URIs are validated: https (http only on loopback), no fragment; nothing is written on refusal', async () => {
    for (const bad of ['http://app.example/logout', 'https://app.example/logout#x', 'javascript:alert(1)', 'not a url']) {
      const refused = await call('POST', '/clients', { name: 'Bad', redirectUris: [REDIRECT_URI], backchannelLogoutUri: bad });
      expect(refused.status).toBe(400);
      expect(refused.type).toContain('application/problem+json');
      const front = await call('POST', '/clients', { name: 'Bad', redirectUris: [REDIRECT_URI], frontchannelLogoutUri: bad });
      expect(front.status).toBe(400);
    }
    expect((await call('GET', '/clients?limit=200')).body.items.some((c: { name: string }) => c.name === 'Bad')).toBe(false);
    const app = await registerApp();
    const cleared = await call('PATCH', `/clients/${app.id}`, {
      backchannelLogoutUri: null,
      frontchannelLogoutUri: 'https://app.example/fc',
    });
    expect(cleared.body).toMatchObject({ backchannelLogoutUri: null, frontchannelLogoutUri: 'https://app.example/fc' });
    expect((await call('PATCH', `/clients/${app.id}`, { backchannelLogoutUri: 'https://app.example/a#b' })).status).toBe(400);
    expect((await call('GET', `/clients/${app.id}`)).body.backchannelLogoutUri).toBeNull();
  });

  test('RP-initiated logout: each app of the session gets its own signed token (aud, sid)', async () => {
    const [first, second] = [await registerApp(), await registerApp()];
    const account = await person();
    const browser = new FormClient(idp.url);
    const tokens1 = await signInTo(first, browser, account.email);
    const tokens2 = await signInTo(second, browser, account.email);
    expect(tokens1.claims()!.sid).not.toBe(tokens2.claims()!.sid);

    const logoutUrl = oidc.buildEndSessionUrl(first.config, {
      id_token_hint: tokens1.id_token!,
      post_logout_redirect_uri: POST_LOGOUT_URI,
    });
    const confirm = await browser.follow(logoutUrl.toString());
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(confirm.html)![1]!;
    const action = /id="op.logoutForm" method="post" action="([^"]+)"/.exec(confirm.html)![1]!;
    const done = await browser.follow(action, { form: { xsrf, logout: 'yes' } });
    expect(done.location).toBe(POST_LOGOUT_URI);

    expect((await logoutTokenFor(first, tokens1)).sub).toBe(account.id);
    await logoutTokenFor(second, tokens2);
    const [event] = await delivered(first);
    expect(event).toMatchObject({ outcome: 'success', tenantId: tenant.id, details: { sessionEnded: 'logout', attempts: 1 } });
  });

  test('"Sign out" in My profile', async () => {
    const app = await registerApp();
    const account = await person();
    const browser = new FormClient(idp.url);
    const tokens = await signInTo(app, browser, account.email);
    const profile = await browser.follow('/account');
    expect(profile.html).toContain('<h1>My profile</h1>');
    const confirm = await browser.follow('/account/sign-out', { form: { csrf: csrfToken(profile.html) } });
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(confirm.html)![1]!;
    const action = /id="op.logoutForm" method="post" action="([^"]+)"/.exec(confirm.html)![1]!;
    await browser.follow(action, { form: { xsrf, logout: 'yes' } });
    await logoutTokenFor(app, tokens);
  });

  test('an administrator disabling the account', async () => {
    const app = await registerApp();
    const account = await person();
    const tokens = await signInTo(app, new FormClient(idp.url), account.email);
    expect((await call('PATCH', `/tenants/acme/accounts/${account.id}`, { state: 'disabled' })).status).toBe(200);
    await logoutTokenFor(app, tokens);
    const [event] = await delivered(app);
    expect(event!.details).toMatchObject({ sessionEnded: 'account_disabled', accountId: account.id });
    await expect(oidc.refreshTokenGrant(app.config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  test('a lock by failed attempts (from another browser)', async () => {
    const app = await registerApp();
    const account = await person();
    const tokens = await signInTo(app, new FormClient(idp.url), account.email);
    const attacker = new FormClient(idp.url);
    const url = oidc
      .buildAuthorizationUrl(app.config, {
        redirect_uri: REDIRECT_URI,
        scope: 'openid',
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        code_challenge_method: 'S256',
      })
      .toString();
    const step = await passwordStep(attacker, url, account.email);
    for (let i = 0; i < 5; i += 1)
      await attacker.follow(step.action, { form: { csrf: step.csrf, email: account.email, password: `wrong ${i}` } });
    expect((await idp.services.accounts.findById(account.id))!.state).toBe('locked');
    await logoutTokenFor(app, tokens);
    const [event] = await delivered(app);
    expect(event!.details).toMatchObject({ sessionEnded: 'account_locked' });
  });

  test('a password reset through an e-mailed link', async () => {
    const app = await registerApp();
    const account = await person();
    const tokens = await signInTo(app, new FormClient(idp.url), account.email);
    const token = await new LinkTokens(idp.storage.tokens).issue('reset', account, 3600_000, null);
    const browser = new FormClient(idp.url);
    const page = await browser.follow(`/password/set?token=${token}`);
    const done = await browser.follow('/password/set', {
      form: { csrf: csrfToken(page.html), token, newPassword: 'a brand new passphrase' },
    });
    expect(done.response.status).toBeLessThan(400);
    await logoutTokenFor(app, tokens);
    const [event] = await delivered(app);
    expect(event!.details).toMatchObject({ sessionEnded: 'password_reset' });
  });

  test('"Sign out everywhere else" ends the other session (its app is told) and keeps this one', async () => {
    const app = await registerApp();
    const account = await person();
    const elsewhere = new FormClient(idp.url);
    const tokens = await signInTo(app, elsewhere, account.email);
    const here = new FormClient(idp.url);
    const login = await here.follow('/account');
    const csrf = csrfToken(login.html);
    const step = await here.follow(formAction(login.html, '/email'), { form: { csrf, email: account.email } });
    const profile = await here.follow(formAction(step.html, '/password'), { form: { csrf, email: account.email, password: PASSWORD } });
    expect(profile.html).toContain('Sign out everywhere else');
    expect(profile.html.match(/<li class="session/g)).toHaveLength(2);
    const hereTokens = await signInTo(app, here, account.email);

    const after = await here.follow('/account/sessions/sign-out-others', { form: { csrf: csrfToken(profile.html) } });
    expect(after.html).toContain('You are signed out everywhere else.');
    expect(after.html.match(/<li class="session/g)).toHaveLength(1);
    await logoutTokenFor(app, tokens);
    expect(receiver.received.filter((r) => r.path === app.path)).toHaveLength(1);

    const stillHere = (await here.follow('/account')).html;
    expect(stillHere).toContain('<h1>My profile</h1>');
    // This browser's own entry keeps its device details.
    expect(stillHere).toMatch(/<li class="session current"><strong>This browser<\/strong><br>\s*node/);
    const other = await elsewhere.follow('/account');
    expect(other.html).toContain('name="email"');
    // The app's tokens from the other session end; those it got through this session stay.
    await expect(oidc.refreshTokenGrant(app.config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect((await oidc.refreshTokenGrant(app.config, hereTokens.refresh_token!)).access_token).toEqual(expect.any(String));
    const [event] = await idp.services.audit.list({ action: 'account.sign_out_elsewhere', limit: 1 });
    expect(event).toMatchObject({ outcome: 'success', actor: { id: account.id } });
  });

  test('a failing receiver is tried a bounded number of times, then the failure is audited', async () => {
    const app = await registerApp('/fail/down');
    const account = await person();
    const tokens = await signInTo(app, new FormClient(idp.url), account.email);
    await call('PATCH', `/tenants/acme/accounts/${account.id}`, { state: 'disabled' });
    // One attempt and one retry per BACKCHANNEL_LOGOUT_RETRY_DELAYS_MS entry.
    await logoutTokenFor(app, tokens, 3);
    let failed;
    for (let i = 0; i < 100 && !failed; i += 1) {
      [failed] = (await idp.services.audit.list({ action: 'backchannel_logout.failed', limit: 20 })).filter((e) => e.target?.id === app.id);
      if (!failed) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(failed).toMatchObject({ outcome: 'failure', reason: 'retries_exhausted', tenantId: tenant.id, details: { attempts: 3 } });
    expect(String((failed!.details as { lastError: string }).lastError)).toContain('500');
    // The delivery is gone before the failure is recorded: no fourth attempt follows.
    expect(await idp.storage.logoutDeliveries.claimDue(Date.now() + 3600_000, Date.now() + 3600_000, 10)).toEqual([]);
    expect(receiver.received.filter((r) => r.path === app.path)).toHaveLength(3);
  });
});
