import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import * as oidc from 'openid-client';
import { startIdp, type TestIdp } from '../support/server.js';
import { FormClient, codeFlowTokens, signIn } from '../support/form-client.js';
import { PASSWORD, seed } from '../support/fixtures.js';
import { adminToken } from '../support/admin-client.js';

const REDIRECT_URI = 'http://localhost:8123/callback';

describe('a copy of the database names no usable token', () => {
  let idp: TestIdp;

  beforeAll(async () => {
    idp = await startIdp();
  });
  afterAll(() => idp.stop());

  test('token values, codes and session cookies are stored only as keyed hashes, nowhere in the files', async () => {
    const fixture = await seed(idp, { redirectUri: REDIRECT_URI });
    const admin = await adminToken(idp);
    const config = await oidc.discovery(new URL(idp.url), fixture.client.id, fixture.secret, undefined, {
      execute: [oidc.allowInsecureRequests],
    });
    const browser = new FormClient(idp.url);
    const tokens = await codeFlowTokens(config, browser, { email: 'ann@acme.example', password: PASSWORD }, { redirectUri: REDIRECT_URI });
    const sessionCookie = /(?:^|; )_session=([^;]+)/.exec((browser as unknown as { cookies: { header(): string } }).cookies.header())![1]!;
    const secrets = { admin: admin.token, access: tokens.access_token, refresh: tokens.refresh_token!, session: sessionCookie };

    // What a local user who can read DATA_DIR would copy.
    const database = path.join(idp.dataDir, 'idp.sqlite');
    const files = [database, `${database}-wal`].map((file) => readFileSync(file).toString('latin1')).join('');
    for (const [name, value] of Object.entries(secrets)) expect([name, files.includes(value)]).toEqual([name, false]);

    const copy = new DatabaseSync(database, { readOnly: true });
    const rows = copy.prepare('SELECT model, id, payload FROM oidc_payloads').all() as { model: string; id: string; payload: string }[];
    copy.close();
    expect(rows.map((r) => r.model)).toEqual(expect.arrayContaining(['ClientCredentials', 'AccessToken', 'RefreshToken', 'Session']));
    for (const row of rows) {
      for (const [name, value] of Object.entries(secrets)) expect([name, row.payload.includes(value)]).toEqual([name, false]);
    }

    // Every stored id, presented as a bearer token, is refused; the real token still works.
    const asBearer = (token: string) =>
      fetch(`${idp.url}/admin/v1/tenants`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);
    expect(await asBearer(admin.token)).toBe(200);
    for (const row of rows) expect([row.model, await asBearer(row.id)]).toEqual([row.model, 401]);
    const userinfo = (token: string) => fetch(`${idp.url}/me`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);
    expect(await userinfo(tokens.access_token)).toBe(200);
    for (const row of rows.filter((r) => r.model === 'AccessToken')) expect(await userinfo(row.id)).toBe(401);
  });

  test('lookups by uid still work: an access token bound to its session (found by uid) opens userinfo', async () => {
    const { client, secret } = await idp.services.clients.create({ name: 'Second', redirectUris: [REDIRECT_URI], firstParty: true });
    const config = await oidc.discovery(new URL(idp.url), client.id, secret!, undefined, { execute: [oidc.allowInsecureRequests] });
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid email',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    const tokens = await oidc.authorizationCodeGrant(
      config,
      new URL(await signIn(new FormClient(idp.url), url.toString(), 'ann@acme.example', PASSWORD)),
      { pkceCodeVerifier: verifier },
    );
    expect(tokens.refresh_token).toBeUndefined();
    const claims = await oidc.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub);
    expect(claims.email).toBe('ann@acme.example');
  });

  test('a device code in progress is stored hashed and sealed: the files name neither it nor a usable id', async () => {
    const { client } = await idp.services.clients.create({ name: 'TV', public: true, deviceFlow: true });
    const config = await oidc.discovery(new URL(idp.url), client.id, undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] });
    const started = await oidc.initiateDeviceAuthorization(config, { scope: 'openid' });
    // The code page, then the confirmation: an interaction now names the device code.
    const browser = new FormClient(idp.url);
    const page = await browser.follow('/device');
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(page.html)![1]!;
    const confirm = await browser.follow('/device', { form: { xsrf, user_code: started.user_code } });
    const xsrf2 = /name="xsrf" value="([^"]+)"/.exec(confirm.html)![1]!;
    const login = await browser.follow('/device', { form: { xsrf: xsrf2, user_code: started.user_code, confirm: 'yes' } });
    expect(login.html).toContain('name="email"');

    const database = path.join(idp.dataDir, 'idp.sqlite');
    const files = [database, `${database}-wal`].map((file) => readFileSync(file).toString('latin1')).join('');
    expect(files.includes(started.device_code)).toBe(false);
    const copy = new DatabaseSync(database, { readOnly: true });
    const rows = copy.prepare("SELECT model, id, payload FROM oidc_payloads WHERE model IN ('DeviceCode', 'Interaction')").all() as {
      model: string;
      id: string;
      payload: string;
    }[];
    copy.close();
    expect(rows.map((r) => r.model)).toEqual(expect.arrayContaining(['DeviceCode', 'Interaction']));
    const poll = (deviceCode: string) =>
      fetch(`${idp.url}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
          device_code: deviceCode,
          client_id: client.id,
        }),
      }).then(async (r) => ((await r.json()) as { error?: string }).error);
    for (const row of rows) {
      expect(row.payload.includes(started.device_code)).toBe(false);
      expect(await poll(row.id)).toBe('invalid_grant');
    }
    expect(await poll(started.device_code)).toBe('authorization_pending');
  });
});
