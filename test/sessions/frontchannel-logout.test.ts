import * as oidc from 'openid-client';
import { startIdp, type TestIdp } from '../support/server.js';
import { FormClient, signIn } from '../support/form-client.js';
import { PASSWORD } from '../support/fixtures.js';

const REDIRECT_URI = 'http://localhost:8123/callback';
const POST_LOGOUT_URI = 'http://localhost:8123/signed-out';

describe('OpenID Connect Front-Channel Logout: the sign-out page loads each app’s logout URI in an iframe', () => {
  let idp: TestIdp;

  beforeAll(async () => {
    idp = await startIdp();
    await idp.services.tenants
      .create({ slug: 'acme', name: 'Acme AB', domains: [] })
      .then((tenant) => idp.services.accounts.create(tenant.id, { email: 'ann@acme.example', password: PASSWORD }));
  });
  afterAll(() => idp.stop());

  async function app(name: string, frontchannel: { uri: string; session: boolean } | null) {
    const { client, secret } = await idp.services.clients.create({
      name,
      redirectUris: [REDIRECT_URI],
      postLogoutRedirectUris: [POST_LOGOUT_URI],
      firstParty: true,
      ...(frontchannel ? { frontchannelLogoutUri: frontchannel.uri, frontchannelLogoutSessionRequired: frontchannel.session } : {}),
    });
    return oidc.discovery(new URL(idp.url), client.id, secret!, undefined, { execute: [oidc.allowInsecureRequests] });
  }

  async function signInTo(config: oidc.Configuration, browser: FormClient) {
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc
      .buildAuthorizationUrl(config, {
        redirect_uri: REDIRECT_URI,
        scope: 'openid',
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
      })
      .toString();
    const answered = await browser.follow(url);
    const callback = answered.location ?? (await signIn(browser, url, 'ann@acme.example', PASSWORD));
    return oidc.authorizationCodeGrant(config, new URL(callback), { pkceCodeVerifier: verifier });
  }

  async function confirmLogout(browser: FormClient, config: oidc.Configuration, idToken: string, form: Record<string, string>) {
    const confirm = await browser.follow(
      oidc.buildEndSessionUrl(config, { id_token_hint: idToken, post_logout_redirect_uri: POST_LOGOUT_URI, state: 's1' }).toString(),
    );
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(confirm.html)![1]!;
    return browser.request(`${idp.url}/session/end/confirm`, { form: { xsrf, ...form } });
  }

  test('"Yes, sign me out": an iframe per registered app (iss and sid when asked for), then on to the app', async () => {
    const withSid = await app('Portal', { uri: 'http://localhost:8124/fc', session: true });
    const plain = await app('Shop', { uri: 'https://shop.example/logout?from=idp', session: false });
    const none = await app('Wiki', null);
    const browser = new FormClient(idp.url);
    const portal = await signInTo(withSid, browser);
    await signInTo(plain, browser);
    await signInTo(none, browser);

    const answer = await confirmLogout(browser, withSid, portal.id_token!, { logout: 'yes' });
    expect(answer.status).toBe(200);
    const page = await answer.text();
    const frames = [...page.matchAll(/<iframe class="frontchannel-logout" src="([^"]+)"/g)].map((m) => m[1]!.replaceAll('&amp;', '&'));
    expect(frames).toHaveLength(2);
    const portalFrame = new URL(frames.find((f) => f.startsWith('http://localhost:8124/fc'))!);
    expect(portalFrame.searchParams.get('iss')).toBe(idp.url);
    expect(portalFrame.searchParams.get('sid')).toBe(portal.claims()!.sid);
    expect(frames).toContain('https://shop.example/logout?from=idp');
    expect(page).toContain(`content="2;url=${POST_LOGOUT_URI}?state=s1"`);
    expect(page).toContain('Signing you out of your applications');
    const csp = answer.headers.get('content-security-policy')!;
    expect(csp).toContain('frame-src http://localhost:8124 https://shop.example');
    expect(csp).toContain("frame-ancestors 'none'");
    // The session is gone: the next sign-in asks again.
    const again = await browser.follow(
      oidc
        .buildAuthorizationUrl(none, {
          redirect_uri: REDIRECT_URI,
          scope: 'openid',
          code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
          code_challenge_method: 'S256',
        })
        .toString(),
    );
    expect(again.html).toContain('name="email"');
  });

  test('an end-session without any front-channel app is the plain redirect', async () => {
    const none = await app('Plain', null);
    const browser = new FormClient(idp.url);
    const tokens = await signInTo(none, browser);
    const answer = await confirmLogout(browser, none, tokens.id_token!, { logout: 'yes' });
    expect(answer.status).toBe(303);
    expect(answer.headers.get('location')).toBe(`${POST_LOGOUT_URI}?state=s1`);
  });
});
