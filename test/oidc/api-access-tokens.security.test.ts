import * as oidc from 'openid-client';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { startIdp, type TestIdp } from '../support/server.js';
import { adminToken, api, clientCredentialsRequest } from '../support/admin-client.js';
import { csrfToken, formAction, FormClient, passwordStep, signIn } from '../support/form-client.js';
import { PASSWORD } from '../support/fixtures.js';
import { auditEventsOnce } from '../support/audit-events.js';

const ORDERS = 'https://orders.example.com';
const BILLING = 'https://billing.example.com';
const REDIRECT_URI = 'http://localhost:8123/callback';
const insecure = { execute: [oidc.allowInsecureRequests] };

/**
 * Access tokens for APIs are issued only as far as a client was granted: to the API it names
 * (RFC 8707), with the granted scopes, in the API's format, and the API can check them itself.
 */
describe('APIs and service clients: tokens only for what was granted', () => {
  let idp: TestIdp;
  let call: ReturnType<typeof api>;
  let service: { id: string; secret: string };
  let serviceConfig: oidc.Configuration;

  beforeAll(async () => {
    idp = await startIdp({ LOGIN_RATE_LIMIT: '10000' });
    call = api(idp.url, (await adminToken(idp)).token);
    expect((await call('POST', '/tenants', { slug: 'acme', name: 'Acme' })).status).toBe(201);
    await call('POST', '/tenants/acme/accounts', { email: 'ann@acme.example', password: PASSWORD });
    const orders = await call('POST', '/apis', { identifier: ORDERS, scopes: ['orders:read', 'orders:write'], tenant: 'acme' });
    expect(orders.status).toBe(201);
    expect(orders.body).toMatchObject({ identifier: ORDERS, tokenFormat: 'jwt', tokenTtlSeconds: 3600 });
    expect((await call('POST', '/apis', { identifier: BILLING, scopes: ['invoices:read'], tokenFormat: 'opaque' })).status).toBe(201);
    const created = await call('POST', '/clients', {
      name: 'Nightly export',
      service: true,
      tenants: ['acme'],
      apis: [{ api: ORDERS, scopes: ['orders:read'] }],
    });
    expect({ status: created.status, problems: created.body.problems }).toEqual({ status: 201, problems: undefined });
    expect(created.body.client).toMatchObject({
      service: true,
      admin: false,
      redirectUris: [],
      apiGrants: [{ api: ORDERS, scopes: ['orders:read'] }],
    });
    service = { id: created.body.client.id, secret: created.body.secret };
    serviceConfig = await oidc.discovery(new URL(idp.url), service.id, service.secret, undefined, insecure);
  });
  afterAll(() => idp.stop());

  const refusals = async (reason: string, atLeast = 1) =>
    (
      await auditEventsOnce(
        idp,
        { action: 'oauth.refused', targetId: service.id },
        (events) => events.filter((e) => e.reason === reason).length >= atLeast,
      )
    ).filter((e) => e.reason === reason);

  test('a service client gets an RFC 9068 JWT for its API, which the API validates against the JWKS', async () => {
    const tokens = await oidc.clientCredentialsGrant(serviceConfig, { scope: 'orders:read', resource: ORDERS });
    expect(tokens.token_type.toLowerCase()).toBe('bearer');
    expect(decodeProtectedHeader(tokens.access_token).typ).toBe('at+jwt');
    const jwks = createRemoteJWKSet(new URL(`${idp.url}/jwks`));
    const { payload } = await jwtVerify(tokens.access_token, jwks, {
      issuer: idp.url,
      audience: ORDERS,
      typ: 'at+jwt',
      algorithms: ['RS256'],
    });
    expect(payload).toMatchObject({ client_id: service.id, sub: service.id, scope: 'orders:read', tenant: 'acme', aud: ORDERS });
    // Another API refuses it: its audience is not theirs.
    await expect(jwtVerify(tokens.access_token, jwks, { issuer: idp.url, audience: BILLING })).rejects.toMatchObject({
      code: 'ERR_JWT_CLAIM_VALIDATION_FAILED',
    });
  });

  test('with its one API, the resource may be left out: the token is still for that API', async () => {
    const tokens = await oidc.clientCredentialsGrant(serviceConfig, { scope: 'orders:read' });
    const { payload } = await jwtVerify(tokens.access_token, createRemoteJWKSet(new URL(`${idp.url}/jwks`)), {
      issuer: idp.url,
      audience: ORDERS,
    });
    expect(payload.scope).toBe('orders:read');
  });

  test('an API it was not granted is refused (invalid_target), nothing issued, audited', async () => {
    await expect(oidc.clientCredentialsGrant(serviceConfig, { scope: 'invoices:read', resource: BILLING })).rejects.toMatchObject({
      error: 'invalid_target',
    });
    await expect(
      oidc.clientCredentialsGrant(serviceConfig, { scope: 'orders:read', resource: 'https://unknown.example.com' }),
    ).rejects.toMatchObject({ error: 'invalid_target' });
    expect((await refusals('invalid_target', 2)).length).toBeGreaterThanOrEqual(2);
    expect((await refusals('invalid_target'))[0]).toMatchObject({
      outcome: 'failure',
      tenantId: expect.any(String),
      details: { endpoint: 'token', grantType: 'client_credentials' },
    });
  });

  test('a scope of its API outside its grant is refused (invalid_scope), not quietly dropped', async () => {
    await expect(oidc.clientCredentialsGrant(serviceConfig, { scope: 'orders:read orders:write', resource: ORDERS })).rejects.toMatchObject(
      { error: 'invalid_scope' },
    );
    expect((await refusals('invalid_scope')).length).toBeGreaterThanOrEqual(1);
  });

  test('the admin scope: no API may define it, a service client cannot get it, and its token opens no admin endpoint', async () => {
    const reserved = await call('POST', '/apis', { identifier: 'https://sneaky.example.com', scopes: ['admin'] });
    expect(reserved.status).toBe(400);
    expect(reserved.type).toContain('application/problem+json');
    expect((await call('GET', '/apis/https%3A%2F%2Fsneaky.example.com')).status).toBe(404);
    await expect(oidc.clientCredentialsGrant(serviceConfig, { scope: 'admin' })).rejects.toMatchObject({ error: 'invalid_scope' });
    await expect(oidc.clientCredentialsGrant(serviceConfig, { scope: 'admin orders:read', resource: ORDERS })).rejects.toMatchObject({
      error: 'invalid_scope',
    });
    const tokens = await oidc.clientCredentialsGrant(serviceConfig, { scope: 'orders:read', resource: ORDERS });
    expect((await api(idp.url, tokens.access_token)('GET', '/tenants')).status).toBe(401);
  });

  test('a client cannot be granted a scope its API does not define, nor an unknown API, nor a tenant API without that tenant', async () => {
    const unknownScope = await call('POST', '/clients', {
      name: 'X',
      service: true,
      tenants: ['acme'],
      apis: [{ api: ORDERS, scopes: ['orders:delete'] }],
    });
    expect(unknownScope.status).toBe(400);
    expect(unknownScope.body.problems).toEqual([expect.objectContaining({ code: 'unknown_scope' })]);
    const unknownApi = await call('POST', '/clients', {
      name: 'X',
      service: true,
      apis: [{ api: 'https://nowhere.example.com', scopes: ['a'] }],
    });
    expect(unknownApi.body.problems).toEqual([expect.objectContaining({ code: 'unknown_api' })]);
    const allTenants = await call('POST', '/clients', { name: 'X', service: true, apis: [{ api: ORDERS, scopes: ['orders:read'] }] });
    expect(allTenants.body.problems).toEqual([expect.objectContaining({ code: 'tenant_api' })]);
    const withAdmin = await call('POST', '/clients', {
      name: 'X',
      service: true,
      admin: true,
      apis: [{ api: BILLING, scopes: ['invoices:read'] }],
    });
    expect(withAdmin.status).toBe(400);
  });

  test('an opaque-token API checks the token by introspection, with its own introspecting client', async () => {
    const billingService = (
      await call('POST', '/clients', { name: 'Invoicer', service: true, apis: [{ api: BILLING, scopes: ['invoices:read'] }] })
    ).body;
    const billingApi = (await call('POST', '/clients', { name: 'Billing API', service: true, introspects: [BILLING] })).body;
    const config = await oidc.discovery(new URL(idp.url), billingService.client.id, billingService.secret, undefined, insecure);
    const tokens = await oidc.clientCredentialsGrant(config, { scope: 'invoices:read', resource: BILLING });
    expect(tokens.access_token.split('.')).toHaveLength(1);
    const asApi = await oidc.discovery(new URL(idp.url), billingApi.client.id, billingApi.secret, undefined, insecure);
    expect(await oidc.tokenIntrospection(asApi, tokens.access_token)).toMatchObject({
      active: true,
      aud: BILLING,
      scope: 'invoices:read',
      client_id: billingService.client.id,
    });
    // Another client learns nothing about it.
    expect((await oidc.tokenIntrospection(serviceConfig, tokens.access_token)).active).toBe(false);
  });

  test('a person gets a token for an API in the code flow with resource=, carrying sub, tenant and the granted scope', async () => {
    const app = (
      await call('POST', '/clients', {
        name: 'Orders portal',
        redirectUris: [REDIRECT_URI],
        firstParty: true,
        tenants: ['acme'],
        apis: [{ api: ORDERS, scopes: ['orders:read', 'orders:write'] }],
      })
    ).body;
    const config = await oidc.discovery(new URL(idp.url), app.client.id, app.secret, undefined, insecure);
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid offline_access orders:read',
      prompt: 'consent',
      resource: ORDERS,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    const callback = await signIn(new FormClient(idp.url), url.toString(), 'ann@acme.example', PASSWORD);
    const tokens = await oidc.authorizationCodeGrant(
      config,
      new URL(callback),
      { pkceCodeVerifier: verifier, expectedState: oidc.skipStateCheck },
      { resource: ORDERS },
    );
    const { payload } = await jwtVerify(tokens.access_token, createRemoteJWKSet(new URL(`${idp.url}/jwks`)), {
      issuer: idp.url,
      audience: ORDERS,
      typ: 'at+jwt',
    });
    const account = (await idp.services.accounts.list((await idp.services.tenants.get('acme')).id, { limit: 1 }))[0]!;
    expect(payload).toMatchObject({ sub: account.id, tenant: 'acme', client_id: app.client.id, scope: 'orders:read' });
    expect(tokens.claims()!.sub).toBe(account.id);
    // A refresh for the API gives a new token for it, with no more than was granted.
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!, { resource: ORDERS });
    const again = await jwtVerify(refreshed.access_token, createRemoteJWKSet(new URL(`${idp.url}/jwks`)), {
      issuer: idp.url,
      audience: ORDERS,
    });
    expect(again.payload).toMatchObject({ sub: account.id, scope: 'orders:read', tenant: 'acme' });
    await expect(
      oidc.refreshTokenGrant(config, refreshed.refresh_token!, { resource: ORDERS, scope: 'orders:write' }),
    ).rejects.toMatchObject({
      error: 'invalid_scope',
    });
  });

  test('a third-party app names the API scope on the consent page, and the token carries only what was consented', async () => {
    const app = (
      await call('POST', '/clients', {
        name: 'Partner',
        redirectUris: [REDIRECT_URI],
        tenants: ['acme'],
        apis: [{ api: ORDERS, scopes: ['orders:read', 'orders:write'] }],
      })
    ).body;
    const config = await oidc.discovery(new URL(idp.url), app.client.id, app.secret, undefined, insecure);
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid orders:write',
      resource: ORDERS,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    const browser = new FormClient(idp.url);
    const step = await passwordStep(browser, url.toString(), 'ann@acme.example');
    const consent = await browser.follow(step.action, { form: { csrf: step.csrf, password: PASSWORD } });
    expect(consent.html).toContain('orders:write');
    const back = await browser.follow(formAction(consent.html, '/consent'), { form: { csrf: csrfToken(consent.html) } });
    const tokens = await oidc.authorizationCodeGrant(
      config,
      new URL(back.location!),
      { pkceCodeVerifier: verifier, expectedState: oidc.skipStateCheck },
      { resource: ORDERS },
    );
    const { payload } = await jwtVerify(tokens.access_token, createRemoteJWKSet(new URL(`${idp.url}/jwks`)), {
      issuer: idp.url,
      audience: ORDERS,
    });
    expect(payload.scope).toBe('orders:write');
    const [consented] = await idp.services.audit.list({ action: 'consent', targetId: app.client.id, limit: 1 });
    expect(consented).toMatchObject({ outcome: 'success', details: { scopes: expect.arrayContaining([`${ORDERS} orders:write`]) } });
  });

  test("a person's app asking for an API it was not granted is refused before any sign-in", async () => {
    const app = (await call('POST', '/clients', { name: 'Plain app', redirectUris: [REDIRECT_URI], firstParty: true })).body;
    const config = await oidc.discovery(new URL(idp.url), app.client.id, app.secret, undefined, insecure);
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid orders:read',
      resource: ORDERS,
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
    });
    const answer = await new FormClient(idp.url).request(url.toString());
    const location = new URL(answer.headers.get('location')!);
    expect(location.searchParams.get('error')).toBe('invalid_target');
    expect(location.searchParams.get('code')).toBeNull();
    const [event] = await auditEventsOnce(idp, { action: 'oauth.refused', targetId: app.client.id }, (events) => events.length > 0);
    expect(event).toMatchObject({ reason: 'invalid_target', details: { endpoint: 'authorization' } });
  });

  test('a silent sign-in check (prompt=none) that needs the person is no refusal: not in the audit trail', async () => {
    const app = (await call('POST', '/clients', { name: 'SPA check', redirectUris: [REDIRECT_URI], firstParty: true })).body;
    const config = await oidc.discovery(new URL(idp.url), app.client.id, app.secret, undefined, insecure);
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid',
      prompt: 'none',
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
    });
    const answer = await new FormClient(idp.url).request(url.toString());
    expect(new URL(answer.headers.get('location')!).searchParams.get('error')).toBe('login_required');
    expect(await idp.services.audit.list({ action: 'oauth.refused', targetId: app.client.id, limit: 5 })).toEqual([]);
  });

  test('the admin API manages APIs: read by identifier, change, delete takes the grants away; audited', async () => {
    const created = (await call('POST', '/apis', { identifier: 'https://temp.example.com', scopes: ['t:read'], tokenTtlSeconds: 600 }))
      .body;
    expect((await call('POST', '/apis', { identifier: 'https://temp.example.com', scopes: ['t:read'] })).status).toBe(409);
    expect((await call('POST', '/apis', { identifier: 'http://temp.example.com', scopes: ['t:read'] })).status).toBe(400);
    expect((await call('POST', '/apis', { identifier: 'https://*.example.com', scopes: ['t:read'] })).status).toBe(400);
    expect(
      (await call('POST', '/apis', { identifier: 'https://x.example.com', scopes: ['t:read'], tokenTtlSeconds: 10 * 86400 })).status,
    ).toBe(400);
    expect((await call('GET', `/apis/${encodeURIComponent('https://temp.example.com')}`)).body).toMatchObject({
      id: created.id,
      tokenTtlSeconds: 600,
    });
    const grantee = (
      await call('POST', '/clients', { name: 'T', service: true, apis: [{ api: 'https://temp.example.com', scopes: ['t:read'] }] })
    ).body.client;
    expect((await call('PATCH', `/apis/${created.id}`, { tokenFormat: 'opaque', identifier: 'https://moved.example.com' })).status).toBe(
      400,
    );
    expect((await call('PATCH', `/apis/${created.id}`, { tokenFormat: 'opaque' })).body).toMatchObject({ tokenFormat: 'opaque' });
    expect((await call('GET', '/apis')).body.items.map((a: { identifier: string }) => a.identifier)).toContain('https://temp.example.com');
    expect((await call('DELETE', `/apis/${created.id}`)).status).toBe(204);
    expect((await call('GET', `/clients/${grantee.id}`)).body.apiGrants).toEqual([]);
    const actions = (await idp.services.audit.list({ targetId: created.id, limit: 10 })).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['admin.api.create', 'admin.api.update', 'admin.api.delete']));
    // Without the admin scope, nothing: no listing, no change.
    const { clientId, secret } = await adminToken(idp);
    const noAdmin = await clientCredentialsRequest(idp.url, clientId, secret, 'openid').then(
      (r) => r.json() as Promise<{ access_token: string }>,
    );
    const plain = api(idp.url, noAdmin.access_token);
    expect((await plain('GET', '/apis')).status).toBe(403);
    expect((await plain('POST', '/apis', { identifier: 'https://new.example.com', scopes: ['n:read'] })).status).toBe(403);
    expect((await call('GET', `/apis/${encodeURIComponent('https://new.example.com')}`)).status).toBe(404);
    const openapi = (await fetch(`${idp.url}/admin/v1/openapi.json`).then((r) => r.json())) as { paths: Record<string, unknown> };
    expect(Object.keys(openapi.paths)).toEqual(expect.arrayContaining(['/apis', '/apis/{id}']));
  });
});
