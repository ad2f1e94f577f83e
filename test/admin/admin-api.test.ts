import { startIdp, type TestIdp } from '../support/server.js';
import { adminToken, api, clientCredentialsRequest } from '../support/admin-client.js';

describe('admin API', () => {
  let idp: TestIdp;
  let call: ReturnType<typeof api>;
  let adminClientId: string;

  beforeAll(async () => {
    idp = await startIdp();
    const admin = await adminToken(idp);
    adminClientId = admin.clientId;
    call = api(idp.url, admin.token);
  });
  afterAll(() => idp.stop());

  test('serves an OpenAPI 3.1 document naming every operation', async () => {
    const response = await fetch(`${idp.url}/admin/v1/openapi.json`);
    const document = (await response.json()) as { openapi: string; paths: Record<string, Record<string, { operationId: string }>> };
    expect(document.openapi).toBe('3.1.0');
    const operations = Object.values(document.paths).flatMap((p) => Object.values(p).map((o) => o.operationId));
    expect(operations).toEqual(
      expect.arrayContaining([
        'listTenants',
        'createTenant',
        'getTenant',
        'updateTenant',
        'deleteTenant',
        'listAccounts',
        'createAccount',
        'getAccount',
        'updateAccount',
        'deleteAccount',
        'listClients',
        'createClient',
        'getClient',
        'updateClient',
        'deleteClient',
        'rotateClientSecret',
        'listAuditEvents',
      ]),
    );
    expect(document.paths['/tenants/{tenant}']).toBeDefined();
  });

  test('tenants: create, read by slug, list, update, delete; each audited with the admin client as actor', async () => {
    const created = await call('POST', '/tenants', { slug: 'globex', name: 'Globex', domains: ['Globex.example'] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ slug: 'globex', domains: ['globex.example'], state: 'active' });
    expect((await call('GET', '/tenants/globex')).body.id).toBe(created.body.id);
    expect((await call('GET', '/tenants')).body.items.map((t: { slug: string }) => t.slug)).toContain('globex');
    const updated = await call('PATCH', '/tenants/globex', { name: 'Globex Corporation' });
    expect(updated.body.name).toBe('Globex Corporation');
    const trail = await call('GET', '/audit-events?tenant=globex');
    expect(trail.body.items.map((e: { action: string }) => e.action)).toEqual(['admin.tenant.update', 'admin.tenant.create']);
    expect(trail.body.items[0]).toMatchObject({
      actor: { type: 'admin_client', id: adminClientId },
      details: { before: { name: 'Globex' }, after: { name: 'Globex Corporation' } },
    });
    // Deletion is scheduled (R11): the tenant stays readable, with the date its data is purged.
    const scheduled = await call('DELETE', '/tenants/globex');
    expect(scheduled.status).toBe(200);
    expect(scheduled.body).toMatchObject({ slug: 'globex', state: 'scheduled_for_deletion' });
    const graceMs = Date.parse(scheduled.body.purgeAfter) - Date.now();
    expect(Math.abs(graceMs - 30 * 24 * 3600 * 1000)).toBeLessThan(60_000);
    expect((await call('GET', '/tenants/globex')).body).toMatchObject({
      state: 'scheduled_for_deletion',
      purgeAfter: scheduled.body.purgeAfter,
    });
  });

  test('accounts: e-mail unique per tenant regardless of case; the hash never leaves', async () => {
    await call('POST', '/tenants', { slug: 'initech', name: 'Initech' });
    const created = await call('POST', '/tenants/initech/accounts', {
      email: 'Peter@Initech.example',
      name: 'Peter',
      password: 'tps-report-1',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ email: 'Peter@Initech.example', state: 'active', hasPassword: true });
    expect(JSON.stringify(created.body)).not.toMatch(/passwordHash|\$2b\$/);
    const duplicate = await call('POST', '/tenants/initech/accounts', { email: 'peter@initech.example' });
    expect(duplicate.status).toBe(409);
    expect(duplicate.type).toContain('application/problem+json');
    const invited = await call('POST', '/tenants/initech/accounts', { email: 'milton@initech.example' });
    expect(invited.body).toMatchObject({ state: 'invited', hasPassword: false });
    const page = await call('GET', '/tenants/initech/accounts?limit=1');
    expect(page.body.items).toHaveLength(1);
    const next = await call('GET', `/tenants/initech/accounts?limit=1&after=${page.body.next}`);
    expect(next.body.items[0].id).not.toBe(page.body.items[0].id);
    const disabled = await call('PATCH', `/tenants/initech/accounts/${created.body.id}`, { state: 'disabled' });
    expect(disabled.body.state).toBe('disabled');
    const audit = await call('GET', '/audit-events?action=admin.account.update&limit=1');
    expect(JSON.stringify(audit.body)).not.toContain('tps-report-1');
    expect((await call('DELETE', `/tenants/initech/accounts/${invited.body.id}`)).status).toBe(204);
    expect((await call('GET', `/tenants/initech/accounts/${invited.body.id}`)).status).toBe(404);
  });

  test('clients: the secret is shown once and only a hash is kept; rotation replaces it', async () => {
    const created = await call('POST', '/clients', { name: 'Shop', redirectUris: ['https://shop.example/cb'] });
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/^[\w-]{43}$/);
    const stored = await idp.services.clients.get(created.body.client.id);
    expect(JSON.stringify(stored)).not.toContain(created.body.secret);
    const read = await call('GET', `/clients/${created.body.client.id}`);
    expect(JSON.stringify(read.body)).not.toMatch(/secret"/i);
    const rotated = await call('POST', `/clients/${created.body.client.id}/secret`);
    expect(rotated.body.secret).not.toBe(created.body.secret);
    const publicClient = await call('POST', '/clients', { name: 'SPA', redirectUris: ['https://spa.example/cb'], public: true });
    expect(publicClient.body).toMatchObject({ secret: null, client: { public: true, tokenEndpointAuthMethod: 'none' } });
    expect((await call('DELETE', `/clients/${publicClient.body.client.id}`)).status).toBe(204);
  });

  test('invalid input is refused with every problem listed, and nothing is stored', async () => {
    const before = (await call('GET', '/tenants?limit=200')).body.items.length;
    const bad = await call('POST', '/tenants', { slug: 'Not A Slug', name: '', domains: ['not a domain'], extra: 1 });
    expect(bad.status).toBe(400);
    expect(bad.type).toContain('application/problem+json');
    expect(bad.body.problems.map((p: { field: string }) => p.field).sort()).toEqual(['', 'domains.0', 'name', 'slug']);
    const badClient = await call('POST', '/clients', { name: 'X', redirectUris: ['http://evil.example/cb', 'https://ok.example/#frag'] });
    expect(badClient.body.problems.map((p: { field: string }) => p.field)).toEqual(['redirectUris.0', 'redirectUris.1']);
    expect((await call('GET', '/tenants?limit=200')).body.items.length).toBe(before);
  });

  test('malformed, oversized and mistyped bodies get problem+json', async () => {
    const malformed = await call('POST', '/tenants', '{"slug":');
    expect(malformed).toMatchObject({ status: 400, body: { type: 'urn:idp:problem:malformed' } });
    const huge = await call('POST', '/tenants', { slug: 'big', name: 'x'.repeat(40_000) });
    expect(huge.status).toBe(413);
    const text = await call('POST', '/tenants', 'slug=a', { 'content-type': 'text/plain' });
    expect(text.status).toBe(415);
    const query = await call('GET', '/tenants?limit=100000');
    expect(query.status).toBe(400);
    expect((await call('GET', '/nothing-here')).status).toBe(404);
  });

  test('no token, a bad token, a token without the admin scope, or a demoted client are refused', async () => {
    const anonymous = await fetch(`${idp.url}/admin/v1/tenants`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toContain('Bearer');
    expect((await api(idp.url, 'forged-token')('GET', '/tenants')).status).toBe(401);

    const { client, secret } = await idp.services.clients.create({ name: 'Ops 2', admin: true });
    const noScope = await clientCredentialsRequest(idp.url, client.id, secret!);
    const { access_token: unscoped } = (await noScope.json()) as { access_token: string };
    expect((await api(idp.url, unscoped)('GET', '/tenants')).status).toBe(403);

    const scoped = await clientCredentialsRequest(idp.url, client.id, secret!, 'admin');
    const { access_token: token } = (await scoped.json()) as { access_token: string };
    expect((await api(idp.url, token)('GET', '/tenants')).status).toBe(200);
    await idp.storage.clients.replace({ ...client, admin: false });
    expect((await api(idp.url, token)('GET', '/tenants')).status).toBe(401);
    await idp.storage.clients.replace(client);
    expect((await api(idp.url, token)('GET', '/tenants')).status).toBe(200);
    await idp.services.clients.delete(client.id);
    expect((await api(idp.url, token)('GET', '/tenants')).status).toBe(401);
    const failures = await idp.services.audit.list({ action: 'admin.auth', limit: 10 });
    expect(failures.map((e) => e.reason)).toEqual(expect.arrayContaining(['unauthorized', 'invalid_token', 'insufficient_scope']));
  });
});
