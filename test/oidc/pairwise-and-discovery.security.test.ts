import * as oidc from 'openid-client';
import { startIdp, type TestIdp } from '../support/server.js';
import { adminToken, api } from '../support/admin-client.js';
import { FormClient, signIn } from '../support/form-client.js';
import { PASSWORD } from '../support/fixtures.js';
import { clientMetadataCheck } from '../../src/oidc/client-validation.js';
import { aClient } from '../storage/contract.js';

const REDIRECT_URI = 'http://localhost:8123/callback';
const insecure = { execute: [oidc.allowInsecureRequests] };

describe('pairwise subjects: each client sees its own stable sub for a person', () => {
  let idp: TestIdp;
  let call: ReturnType<typeof api>;
  let accountId: string;

  beforeAll(async () => {
    idp = await startIdp({ LOGIN_RATE_LIMIT: '10000' });
    call = api(idp.url, (await adminToken(idp)).token);
    await call('POST', '/tenants', { slug: 'acme', name: 'Acme' });
    accountId = (await call('POST', '/tenants/acme/accounts', { email: 'ann@acme.example', password: PASSWORD })).body.id;
  });
  afterAll(() => idp.stop());

  async function client(subjectType: 'public' | 'pairwise') {
    const created = await call('POST', '/clients', {
      name: `App ${subjectType}`,
      redirectUris: [REDIRECT_URI],
      firstParty: true,
      subjectType,
    });
    expect(created.body.client).toMatchObject({ subjectType });
    return oidc.discovery(new URL(idp.url), created.body.client.id, created.body.secret, undefined, insecure);
  }

  async function subjectOf(config: oidc.Configuration, browser = new FormClient(idp.url)) {
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    const callback = await signIn(browser, url.toString(), 'ann@acme.example', PASSWORD);
    const tokens = await oidc.authorizationCodeGrant(config, new URL(callback), {
      pkceCodeVerifier: verifier,
      expectedState: oidc.skipStateCheck,
    });
    const sub = tokens.claims()!.sub;
    expect((await oidc.fetchUserInfo(config, tokens.access_token, sub)).sub).toBe(sub);
    expect((await oidc.tokenIntrospection(config, tokens.access_token)).sub).toBe(sub);
    return sub;
  }

  test('two pairwise clients on one host see different subjects, neither the account id; each stays the same', async () => {
    const first = await client('pairwise');
    const second = await client('pairwise');
    const a = await subjectOf(first);
    const b = await subjectOf(second);
    expect(a).not.toBe(b);
    expect(a).not.toBe(accountId);
    expect(b).not.toBe(accountId);
    expect(await subjectOf(first)).toBe(a);
    expect(await subjectOf(await client('public'))).toBe(accountId);
  });

  test('the same after a restart: the salt comes from the stored keys, not from memory', async () => {
    const first = await client('pairwise');
    const before = await subjectOf(first);
    const dirs = { dataDir: idp.dataDir, keysDir: idp.keysDir };
    const clientId = first.clientMetadata().client_id;
    const secret = first.clientMetadata().client_secret as string;
    await idp.stop({ keepFiles: true });
    idp = await startIdp({ LOGIN_RATE_LIMIT: '10000' }, dirs);
    call = api(idp.url, (await adminToken(idp)).token);
    const again = await oidc.discovery(new URL(idp.url), clientId, secret, undefined, insecure);
    expect(await subjectOf(again)).toBe(before);
  });

  test('pairwise is refused for clients whose redirect URIs span hosts, and for clients that sign no one in', async () => {
    const hosts = await call('POST', '/clients', {
      name: 'Two hosts',
      redirectUris: [REDIRECT_URI, 'https://app.example.com/cb'],
      subjectType: 'pairwise',
    });
    expect(hosts.body.problems).toEqual([expect.objectContaining({ code: 'pairwise_hosts' })]);
    await call('POST', '/apis', { identifier: 'https://orders.example.com', scopes: ['orders:read'] });
    const service = await call('POST', '/clients', {
      name: 'S',
      service: true,
      subjectType: 'pairwise',
      apis: [{ api: 'https://orders.example.com', scopes: ['orders:read'] }],
    });
    expect(service.status).toBe(400);
  });
});

test("oidc-provider's own client metadata rules are applied, besides ours", async () => {
  const check = clientMetadataCheck('http://localhost:3000');
  expect(await check(aClient({ tokenEndpointAuthMethod: 'client_secret_basic', secretHash: 'h'.repeat(64) }))).toEqual([]);
  // The provider's rule (not ours, which the service applies first): pairwise across hosts needs a sector identifier URI.
  const spread = aClient({ subjectType: 'pairwise', redirectUris: ['https://a.example.com/cb', 'https://b.example.com/cb'] });
  expect(await check(spread)).toEqual([
    expect.objectContaining({ code: 'invalid_client_metadata', message: expect.stringContaining('sector_identifier_uri') }),
  ]);
});

describe('discovery advertises exactly what is turned on', () => {
  let idp: TestIdp;
  let metadata: Record<string, unknown>;
  beforeAll(async () => {
    idp = await startIdp();
    metadata = (await (await fetch(`${idp.url}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
  });
  afterAll(() => idp.stop());

  test('client authentication, subjects, PAR, JAR, DPoP and resource indicators as configured', () => {
    expect(metadata).toMatchObject({
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'client_secret_jwt', 'private_key_jwt', 'none'],
      token_endpoint_auth_signing_alg_values_supported: ['HS256', 'RS256', 'ES256', 'PS256'],
      subject_types_supported: ['public', 'pairwise'],
      pushed_authorization_request_endpoint: `${idp.url}/request`,
      request_parameter_supported: true,
      request_uri_parameter_supported: false,
      request_object_signing_alg_values_supported: ['RS256', 'ES256', 'PS256'],
      dpop_signing_alg_values_supported: ['ES256', 'RS256', 'PS256', 'EdDSA'],
      code_challenge_methods_supported: ['S256'],
    });
    expect(metadata.grant_types_supported).toEqual(expect.arrayContaining(['authorization_code', 'refresh_token', 'client_credentials']));
    // Not required of every client, so not advertised as required.
    expect(metadata.require_pushed_authorization_requests).not.toBe(true);
    expect(metadata.require_signed_request_object).not.toBe(true);
  });

  test('nothing that is off: no dynamic registration, no mTLS, no encrypted request objects, no CIBA, no unsigned algorithms', () => {
    for (const key of [
      'registration_endpoint',
      'mtls_endpoint_aliases',
      'tls_client_certificate_bound_access_tokens',
      'request_object_encryption_alg_values_supported',
      'backchannel_authentication_endpoint',
      'authorization_details_types_supported',
    ]) {
      expect(metadata).not.toHaveProperty(key);
    }
    const algorithms = [
      'token_endpoint_auth_signing_alg_values_supported',
      'request_object_signing_alg_values_supported',
      'dpop_signing_alg_values_supported',
    ];
    for (const key of algorithms) expect(metadata[key]).not.toContain('none');
  });
});
