import { startIdp, type TestIdp } from '../support/server.js';
import { FormClient, signIn } from '../support/form-client.js';
import { adminToken, api } from '../support/admin-client.js';
import { PASSWORD } from '../support/fixtures.js';

const REDIRECT_URI = 'http://localhost:8123/callback';

/** OAuth 2.1: a stolen authorization code is useless without the verifier, for confidential clients too. */
describe('PKCE is required of every client unless an administrator turns it off for one', () => {
  let idp: TestIdp;
  let call: ReturnType<typeof api>;
  let clientId: string;

  beforeAll(async () => {
    idp = await startIdp({ LOGIN_RATE_LIMIT: '10000' });
    call = api(idp.url, (await adminToken(idp)).token);
    await call('POST', '/tenants', { slug: 'acme', name: 'Acme' });
    await call('POST', '/tenants/acme/accounts', { email: 'ann@acme.example', password: PASSWORD });
    const created = await call('POST', '/clients', { name: 'Legacy portal', redirectUris: [REDIRECT_URI], firstParty: true });
    expect(created.body.client).toMatchObject({ public: false, requirePkce: true });
    clientId = created.body.client.id;
  });
  afterAll(() => idp.stop());

  const withoutPkce = () => {
    const url = new URL('/auth', idp.url);
    url.search = new URLSearchParams({
      client_id: clientId,
      redirect_uri: REDIRECT_URI,
      response_type: 'code',
      scope: 'openid',
    }).toString();
    return url.toString();
  };

  test('a confidential client that sends no code_challenge is refused before any sign-in page', async () => {
    const answer = await new FormClient(idp.url).request(withoutPkce());
    const location = new URL(answer.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT_URI);
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('error_description')).toMatch(/PKCE/);
    expect(location.searchParams.get('code')).toBeNull();
  });

  test('turned off for one legacy confidential client: audited, shown, and the code flow works without it', async () => {
    const patched = await call('PATCH', `/clients/${clientId}`, { requirePkce: false });
    expect(patched.body).toMatchObject({ requirePkce: false });
    const [event] = await idp.services.audit.list({ action: 'admin.client.pkce_not_required', limit: 1 });
    expect(event).toMatchObject({ target: { type: 'client', id: clientId } });
    expect((await call('GET', '/clients')).body.items.find((c: { id: string }) => c.id === clientId)).toMatchObject({ requirePkce: false });

    const back = await signIn(new FormClient(idp.url), withoutPkce(), 'ann@acme.example', PASSWORD);
    expect(new URL(back).searchParams.get('code')).toBeTruthy();
    expect((await call('PATCH', `/clients/${clientId}`, { requirePkce: true })).body).toMatchObject({ requirePkce: true });
  });

  test('a public client can never go without it', async () => {
    const refused = await call('POST', '/clients', { name: 'SPA', redirectUris: [REDIRECT_URI], public: true, requirePkce: false });
    expect(refused.status).toBe(400);
    expect(refused.body.problems).toEqual([expect.objectContaining({ field: 'requirePkce' })]);
    const spa = (await call('POST', '/clients', { name: 'SPA', redirectUris: [REDIRECT_URI], public: true })).body.client;
    const patched = await call('PATCH', `/clients/${spa.id}`, { requirePkce: false });
    expect(patched.status).toBe(400);
    expect((await call('GET', `/clients/${spa.id}`)).body).toMatchObject({ requirePkce: true });
  });
});
