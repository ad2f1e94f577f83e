import * as oidc from 'openid-client';
import { startIdp, type TestIdp } from '../support/server.js';
import { FormClient, codeFlowTokens } from '../support/form-client.js';
import { adminToken, api } from '../support/admin-client.js';
import { PASSWORD } from '../support/fixtures.js';

const REDIRECT_URI = 'http://localhost:8123/callback';

describe("tenants: ids cannot be impersonated, and ending a tenant ends its people's tokens", () => {
  let idp: TestIdp;
  let call: ReturnType<typeof api>;

  beforeAll(async () => {
    idp = await startIdp({ LOGIN_RATE_LIMIT: '10000' });
    call = api(idp.url, (await adminToken(idp)).token);
  });
  afterAll(() => idp.stop());

  test('a slug shaped like a tenant id is refused, and ids resolve before slugs', async () => {
    const victim = (await call('POST', '/tenants', { slug: 'victim', name: 'Victim' })).body;
    const impostor = await call('POST', '/tenants', { slug: victim.id, name: 'Impostor' });
    expect(impostor.status).toBe(400);
    expect(impostor.body.problems).toEqual([expect.objectContaining({ field: 'slug', message: 'must not look like a tenant id' })]);
    // Even a record that slipped in before the rule cannot shadow the real tenant.
    const stored = (await idp.storage.tenants.findById(victim.id))!;
    await idp.storage.tenants.insert({
      ...stored,
      id: '0193a000-0000-7000-8000-000000000001',
      slug: victim.id,
      name: 'Old impostor',
      domains: [],
    });
    expect((await call('GET', `/tenants/${victim.id}`)).body).toMatchObject({ id: victim.id, name: 'Victim' });
    const limited = await call('POST', '/clients', { name: 'Victim app', redirectUris: [REDIRECT_URI], tenants: [victim.id] });
    expect(limited.body.client.tenantIds).toEqual([victim.id]);
  });

  test('deleting a tenant ends every session, grant and token of its accounts: introspection says inactive', async () => {
    await call('POST', '/tenants', { slug: 'leaving', name: 'Leaving AB' });
    await call('POST', '/tenants/leaving/accounts', { email: 'lea@leaving.example', password: PASSWORD });
    const app = (await call('POST', '/clients', { name: 'Leaving app', redirectUris: [REDIRECT_URI], firstParty: true })).body;
    const config = await oidc.discovery(new URL(idp.url), app.client.id, app.secret, undefined, { execute: [oidc.allowInsecureRequests] });
    const login = { email: 'lea@leaving.example', password: PASSWORD };
    const tokens = await codeFlowTokens(config, new FormClient(idp.url), login, { redirectUri: REDIRECT_URI });
    expect((await oidc.tokenIntrospection(config, tokens.access_token)).active).toBe(true);
    expect((await oidc.tokenIntrospection(config, tokens.refresh_token!)).active).toBe(true);

    expect((await call('DELETE', '/tenants/leaving')).status).toBe(200);
    expect((await oidc.tokenIntrospection(config, tokens.access_token)).active).toBe(false);
    expect((await oidc.tokenIntrospection(config, tokens.refresh_token!)).active).toBe(false);
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  });
});
