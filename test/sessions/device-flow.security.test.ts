import * as oidc from 'openid-client';
import { startIdp, type TestIdp } from '../support/server.js';
import { FormClient } from '../support/form-client.js';
import { adminToken, api } from '../support/admin-client.js';
import { DEVICE_FLOW } from '../../src/config/defaults.js';

const xsrfOf = (html: string) => /name="xsrf" value="([^"]+)"/.exec(html)![1]!;

describe('device authorization grant (RFC 8628): the user-code page refuses wrong codes and is throttled', () => {
  let idp: TestIdp;
  let call: ReturnType<typeof api>;
  let config: oidc.Configuration;

  beforeAll(async () => {
    idp = await startIdp();
    call = api(idp.url, (await adminToken(idp)).token);
    const created = await call('POST', '/clients', { name: 'Acme CLI', public: true, deviceFlow: true });
    expect(created.status).toBe(201);
    expect(created.body.client).toMatchObject({ deviceFlow: true, redirectUris: [] });
    config = await oidc.discovery(new URL(idp.url), created.body.client.id, undefined, oidc.None(), {
      execute: [oidc.allowInsecureRequests],
    });
  });
  afterAll(() => idp.stop());

  test('discovery advertises the device authorization endpoint and grant', () => {
    const metadata = config.serverMetadata();
    expect(metadata.device_authorization_endpoint).toBe(`${idp.url}/device/auth`);
    expect(metadata.grant_types_supported).toContain('urn:ietf:params:oauth:grant-type:device_code');
  });

  test('a client without the device grant is refused at the device endpoint', async () => {
    const created = await call('POST', '/clients', { name: 'Web only', public: true, redirectUris: ['http://localhost:8123/cb'] });
    const web = await oidc.discovery(new URL(idp.url), created.body.client.id, undefined, oidc.None(), {
      execute: [oidc.allowInsecureRequests],
    });
    await expect(oidc.initiateDeviceAuthorization(web, { scope: 'openid' })).rejects.toMatchObject({
      error: 'invalid_request',
      error_description: 'urn:ietf:params:oauth:grant-type:device_code is not allowed for this client',
    });
  });

  test('the grant is a per-client setting: PATCH turns it off, and the client has no other way in', async () => {
    const created = await call('POST', '/clients', { name: 'TV', public: true, deviceFlow: true });
    expect((await call('PATCH', `/clients/${created.body.client.id}`, { deviceFlow: false })).status).toBe(400);
    const both = await call('PATCH', `/clients/${created.body.client.id}`, { redirectUris: ['http://localhost:8123/cb'] });
    expect((await call('PATCH', `/clients/${created.body.client.id}`, { deviceFlow: false })).body).toMatchObject({ deviceFlow: false });
    expect(both.body.deviceFlow).toBe(true);
  });

  test('a device code is issued; its user code page is ours, in Swedish or English; a wrong code is refused and audited', async () => {
    const started = await oidc.initiateDeviceAuthorization(config, { scope: 'openid' });
    expect(started.user_code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    expect(started.verification_uri).toBe(`${idp.url}/device`);

    const swedish = new FormClient(idp.url, { 'accept-language': 'sv' });
    const sv = await swedish.follow('/device');
    expect(sv.html).toContain('<html lang="sv">');
    expect(sv.html).toContain('<label for="user_code">Kod</label>');
    expect(sv.response.headers.get('content-security-policy')).toContain("default-src 'none'");

    const browser = new FormClient(idp.url);
    const page = await browser.follow('/device');
    expect(page.html).toContain('<link rel="stylesheet" href="/assets/idp.css">');
    const wrong = await browser.follow('/device', { form: { xsrf: xsrfOf(page.html), user_code: 'BBBB-BBBB' } });
    expect(wrong.response.status).toBe(400);
    expect(wrong.html).toContain('That code is not valid.');
    const [event] = await idp.services.audit.list({ action: 'device.user_code', limit: 1 });
    expect(event).toMatchObject({ outcome: 'failure', reason: 'user_code_unknown' });

    // The provider's form token (bound to this browser's session) is the CSRF guard: another browser's is refused.
    const forged = await new FormClient(idp.url).follow('/device', { form: { xsrf: xsrfOf(page.html), user_code: started.user_code } });
    expect(forged.response.status).toBe(400);
    expect(forged.html).not.toContain('device-user-code');
    expect(forged.html).toContain('The device could not be connected.');
    const cookieOnly = new FormClient(idp.url);
    await cookieOnly.follow('/device');
    const foreign = await cookieOnly.follow('/device', { form: { xsrf: xsrfOf(page.html), user_code: started.user_code } });
    expect(foreign.response.status).toBe(400);
    expect(foreign.html).not.toContain('device-user-code');

    const confirm = await browser.follow('/device', { form: { xsrf: xsrfOf(wrong.html), user_code: started.user_code.toLowerCase() } });
    expect(confirm.response.status).toBe(200);
    expect(confirm.html).toContain('Acme CLI');
    expect(confirm.html).toContain(started.user_code);
  });

  test('code entry is throttled per address: after the limit even a right code gets 429 with our page, audited', async () => {
    const started = await oidc.initiateDeviceAuthorization(config, { scope: 'openid' });
    const browser = new FormClient(idp.url);
    let html = (await browser.follow('/device')).html;
    const statuses: number[] = [];
    // Earlier tests in this file posted from the same address too: at most the limit get through.
    while (statuses.at(-1) !== 429 && statuses.length <= DEVICE_FLOW.entriesPerWindow) {
      const attempt = await browser.follow('/device', { form: { xsrf: xsrfOf(html), user_code: 'CCCC-CCCC' } });
      statuses.push(attempt.response.status);
      if (attempt.response.status !== 429) html = attempt.html;
    }
    expect(statuses.at(-1)).toBe(429);
    expect(statuses.slice(0, -1).every((status) => status === 400)).toBe(true);
    const right = await browser.follow('/device', { form: { xsrf: xsrfOf(html), user_code: started.user_code } });
    expect(right.response.status).toBe(429);
    expect(right.response.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(right.html).toContain('Too many codes were entered from your network.');
    expect(right.html).not.toContain('device-user-code');
    // The provider routes /Device and /device/ to the same form: the limit holds there too.
    for (const path of ['/Device', '/device/', '/DEVICE/']) {
      const around = await browser.follow(path, { form: { xsrf: xsrfOf(html), user_code: started.user_code } });
      expect(around.response.status).toBe(429);
    }
    const [event] = await idp.services.audit.list({ action: 'device.user_code', limit: 1 });
    expect(event).toMatchObject({ outcome: 'failure', reason: 'throttled' });
  });
});
