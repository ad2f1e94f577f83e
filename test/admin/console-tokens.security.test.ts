import * as oidc from 'openid-client';
import { startIdp, type TestIdp } from '../support/server.js';
import { api } from '../support/admin-client.js';
import { PASSWORD, seed } from '../support/fixtures.js';
import { consoleSignIn } from '../support/console-sign-in.js';
import { customerAdmin, staffMember } from '../support/staff.js';
import { FormClient, signIn } from '../support/form-client.js';
import { ACR_MFA } from '../../src/oidc/settings.js';
import { adminOperations } from '../../src/operations/index.js';

const REDIRECT_URI = 'http://localhost:8123/callback';

/** The admin API accepts people's tokens only from the built-in console, with 2FA for staff, while they hold a role. */
describe('people signed in to the console call the admin API', () => {
  let idp: TestIdp;
  let acme: Awaited<ReturnType<typeof seed>>;
  let beta: { id: string };

  beforeAll(async () => {
    idp = await startIdp({ LOGIN_RATE_LIMIT: '10000' });
    acme = await seed(idp, { redirectUri: REDIRECT_URI });
    beta = await idp.services.tenants.create({ slug: 'beta', name: 'Beta AB', domains: [] });
  });
  afterAll(() => idp.stop());

  const lastEvent = async (action: string) => (await idp.services.audit.list({ action, limit: 1 }))[0];

  test('a staff super-admin signs in with code + PKCE and TOTP (enrolled at the first sign-in) and may do everything', async () => {
    const staff = await staffMember(idp, 'sam@operators.example');
    const signedIn = await consoleSignIn(idp.url, staff);
    expect(signedIn.secret).toBeDefined();
    expect(signedIn.idTokenClaims).toMatchObject({ sub: staff.accountId, acr: ACR_MFA });
    const call = api(idp.url, signedIn.accessToken);
    const me = await call('GET', '/me');
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({
      actor: { type: 'user', id: staff.accountId },
      roles: [{ role: 'super-admin', tenantId: null }],
      tenants: 'all',
    });
    const tenants = await call('GET', '/tenants?limit=200');
    expect(tenants.status).toBe(200);
    expect(tenants.body.items.map((t: { slug: string }) => t.slug)).toEqual(expect.arrayContaining(['acme', 'beta', 'operators']));
    const created = await call('POST', '/tenants', { slug: 'gamma', name: 'Gamma AB' });
    expect(created.status).toBe(201);
    const event = await lastEvent('admin.tenant.create');
    expect(event).toMatchObject({ actor: { type: 'user', id: staff.accountId }, target: { type: 'tenant', id: created.body.id } });
  });

  test("a staff member's token whose sign-in had no second factor is refused (401 insufficient_user_authentication)", async () => {
    const staff = await staffMember(idp, 'nomfa@operators.example');
    // The operators' tenant demands 2FA at sign-in; with that rule lifted for a moment the sign-in uses a password alone.
    const operations = adminOperations(idp.services);
    const caller = { actor: { type: 'cli' as const, id: 'test' }, awaitMail: true };
    const policy = (await idp.services.tenants.get('operators')).policy;
    await operations.tenants.setPolicy(caller, 'operators', { ...policy, password: { ...policy.password, require2fa: false } });
    const signedIn = await consoleSignIn(idp.url, staff);
    await operations.tenants.setPolicy(caller, 'operators', policy);
    expect(signedIn.secret).toBeUndefined();
    expect(signedIn.idTokenClaims?.acr).not.toBe(ACR_MFA);
    const answer = await api(idp.url, signedIn.accessToken)('GET', '/tenants');
    expect(answer.status).toBe(401);
    expect(answer.type).toContain('application/problem+json');
    expect(answer.body.type).toBe('urn:idp:problem:insufficient_user_authentication');
    expect(answer.headers.get('www-authenticate')).toContain(`acr_values="${ACR_MFA}"`);
    expect(await lastEvent('admin.auth')).toMatchObject({
      outcome: 'failure',
      reason: 'insufficient_user_authentication',
      actor: { type: 'user', id: staff.accountId },
    });
  });

  test("a customer's own tenant-admin sees its tenant only; taking the role away stops the next request", async () => {
    const admin = await customerAdmin(idp, acme.tenant.id, 'admin@acme.example', [{ role: 'tenant-admin', tenant: 'acme' }]);
    const signedIn = await consoleSignIn(idp.url, admin);
    const call = api(idp.url, signedIn.accessToken);
    const tenants = await call('GET', '/tenants');
    expect(tenants.status).toBe(200);
    expect(tenants.body.items.map((t: { slug: string }) => t.slug)).toEqual(['acme']);
    expect((await call('GET', '/tenants/acme/accounts')).status).toBe(200);
    const other = await call('GET', `/tenants/${beta.id}/accounts`);
    expect(other.status).toBe(403);
    expect(other.type).toContain('application/problem+json');
    expect(await lastEvent('admin.denied')).toMatchObject({
      tenantId: beta.id,
      actor: { type: 'user', id: admin.accountId },
      details: expect.objectContaining({ permission: 'tenant.accounts.read', operationId: 'listAccounts' }),
    });
    // Probing a tenant that does not exist is the same 403, not a 404.
    expect((await call('GET', '/tenants/no-such-tenant/accounts')).status).toBe(403);

    await adminOperations(idp.services).roles.set(
      { actor: { type: 'cli', id: 'test' }, awaitMail: true },
      acme.tenant.id,
      admin.accountId,
      { roles: [] },
    );
    const after = await call('GET', '/tenants/acme/accounts');
    expect(after.status).toBe(403);
    expect(after.body.type).toBe('urn:idp:problem:no_role');
  });

  test('an account with no role gets a console token but no admin access', async () => {
    const signedIn = await consoleSignIn(idp.url, { email: acme.account.email, password: PASSWORD });
    const answer = await api(idp.url, signedIn.accessToken)('GET', '/tenants');
    expect(answer.status).toBe(403);
    expect(answer.body.type).toBe('urn:idp:problem:no_role');
  });

  test("another client's user token never reaches the admin API, even when it asked for the admin scope", async () => {
    await customerAdmin(idp, acme.tenant.id, 'other-app@acme.example', [{ role: 'tenant-admin', tenant: 'acme' }]);
    const authorize = async (clientId: string, secret: string) => {
      const config = await oidc.discovery(new URL(idp.url), clientId, secret, undefined, { execute: [oidc.allowInsecureRequests] });
      const verifier = oidc.randomPKCECodeVerifier();
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: REDIRECT_URI,
        scope: 'openid admin',
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
      });
      return { config, verifier, url: url.toString() };
    };
    // An ordinary app may not even ask for it.
    const plain = await authorize(acme.client.id, acme.secret);
    const refused = await new FormClient(idp.url).follow(plain.url);
    expect(new URL(refused.location!).searchParams.get('error')).toBe('invalid_scope');
    // An admin client that also signs people in may ask, but a person's grant never carries it.
    const { client, secret } = await idp.services.clients.create({
      name: 'Admin app with sign-in',
      admin: true,
      firstParty: true,
      redirectUris: [REDIRECT_URI],
    });
    const { config, verifier, url } = await authorize(client.id, secret!);
    const location = await signIn(new FormClient(idp.url), url, 'other-app@acme.example', PASSWORD);
    const tokens = await oidc.authorizationCodeGrant(config, new URL(location), { pkceCodeVerifier: verifier });
    expect(String(tokens.scope ?? '').split(' ')).not.toContain('admin');
    const answer = await api(idp.url, tokens.access_token)('GET', '/tenants');
    expect(answer.status).toBe(401);
    expect(answer.body.type).toBe('urn:idp:problem:invalid_token');
  });

  test('ending the sessions behind a console token (as locking or disabling the account does) ends its admin access', async () => {
    const admin = await customerAdmin(idp, acme.tenant.id, 'leaver@acme.example', [{ role: 'helpdesk', tenant: 'acme' }]);
    const signedIn = await consoleSignIn(idp.url, admin);
    const call = api(idp.url, signedIn.accessToken);
    expect((await call('GET', '/tenants/acme/accounts')).status).toBe(200);
    await idp.storage.oidc.revokeByAccountId(admin.accountId);
    const after = await call('GET', '/tenants/acme/accounts');
    expect(after.status).toBe(401);
  });
});
