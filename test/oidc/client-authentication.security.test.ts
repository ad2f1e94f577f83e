import { randomUUID } from 'node:crypto';
import * as oidc from 'openid-client';
import { exportJWK, generateKeyPair, SignJWT, type GenerateKeyPairResult } from 'jose';
import { startIdp, type TestIdp } from '../support/server.js';
import { adminToken, api } from '../support/admin-client.js';
import { FormClient, signIn } from '../support/form-client.js';
import { PASSWORD } from '../support/fixtures.js';
import { auditEventsOnce } from '../support/audit-events.js';

const ORDERS = 'https://orders.example.com';
const REDIRECT_URI = 'http://localhost:8123/callback';
const insecure = { execute: [oidc.allowInsecureRequests] };

/** Clients that prove themselves with a signed assertion (RFC 7523), each assertion usable once. */
describe('private_key_jwt and client_secret_jwt, with replayed assertions refused', () => {
  let idp: TestIdp;
  let call: ReturnType<typeof api>;
  let keys: GenerateKeyPairResult;
  let keyClientId: string;
  let hmacClient: { id: string; secret: string };

  beforeAll(async () => {
    idp = await startIdp({ LOGIN_RATE_LIMIT: '10000' });
    call = api(idp.url, (await adminToken(idp)).token);
    await call('POST', '/tenants', { slug: 'acme', name: 'Acme' });
    await call('POST', '/tenants/acme/accounts', { email: 'ann@acme.example', password: PASSWORD });
    await call('POST', '/apis', { identifier: ORDERS, scopes: ['orders:read'] });
    keys = await generateKeyPair('ES256', { extractable: true });
    const jwk = { ...(await exportJWK(keys.publicKey)), kid: 'k1', use: 'sig' };
    const keyClient = await call('POST', '/clients', {
      name: 'Key portal',
      redirectUris: [REDIRECT_URI],
      firstParty: true,
      tokenEndpointAuthMethod: 'private_key_jwt',
      jwks: { keys: [jwk] },
    });
    expect({ status: keyClient.status, problems: keyClient.body.problems }).toEqual({ status: 201, problems: undefined });
    expect(keyClient.body.secret).toBeNull();
    keyClientId = keyClient.body.client.id;
    const hmac = await call('POST', '/clients', {
      name: 'HMAC service',
      service: true,
      tokenEndpointAuthMethod: 'client_secret_jwt',
      apis: [{ api: ORDERS, scopes: ['orders:read'] }],
    });
    expect(hmac.status).toBe(201);
    hmacClient = { id: hmac.body.client.id, secret: hmac.body.secret };
  });
  afterAll(() => idp.stop());

  test('a private_key_jwt client signs a person in with openid-client', async () => {
    const config = await oidc.discovery(
      new URL(idp.url),
      keyClientId,
      {},
      oidc.PrivateKeyJwt({ key: keys.privateKey, kid: 'k1' }),
      insecure,
    );
    expect(config.serverMetadata().token_endpoint_auth_methods_supported).toEqual(
      expect.arrayContaining(['private_key_jwt', 'client_secret_jwt']),
    );
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    const callback = await signIn(new FormClient(idp.url), url.toString(), 'ann@acme.example', PASSWORD);
    const tokens = await oidc.authorizationCodeGrant(config, new URL(callback), {
      pkceCodeVerifier: verifier,
      expectedState: oidc.skipStateCheck,
    });
    expect(tokens.claims()!.aud).toBe(keyClientId);
  });

  test('an assertion signed by another key, or a client secret, does not authenticate a private_key_jwt client', async () => {
    const other = await generateKeyPair('ES256');
    const wrongKey = await oidc.discovery(new URL(idp.url), keyClientId, {}, oidc.PrivateKeyJwt(other.privateKey), insecure);
    await expect(oidc.tokenIntrospection(wrongKey, 'anything')).rejects.toMatchObject({ error: 'invalid_client' });
    const withSecret = await oidc.discovery(new URL(idp.url), keyClientId, 'guess', undefined, insecure);
    await expect(oidc.tokenIntrospection(withSecret, 'anything')).rejects.toMatchObject({ error: 'invalid_client' });
  });

  test('a client_secret_jwt client gets a token with an HMAC assertion made from its secret', async () => {
    const config = await oidc.discovery(new URL(idp.url), hmacClient.id, {}, oidc.ClientSecretJwt(hmacClient.secret), insecure);
    const tokens = await oidc.clientCredentialsGrant(config, { scope: 'orders:read', resource: ORDERS });
    expect(tokens.access_token.split('.')).toHaveLength(3);
    const wrong = await oidc.discovery(
      new URL(idp.url),
      hmacClient.id,
      {},
      oidc.ClientSecretJwt('not-the-secret-but-long-enough-for-hs256-xxxx'),
      insecure,
    );
    await expect(oidc.clientCredentialsGrant(wrong, { scope: 'orders:read', resource: ORDERS })).rejects.toMatchObject({
      error: 'invalid_client',
    });
  });

  test('its secret is stored sealed, never in the clear, and a rotated secret replaces it at once', async () => {
    const stored = (await idp.services.clients.get(hmacClient.id))!;
    expect(stored.sealedSecret).toBeTruthy();
    expect(JSON.stringify(stored)).not.toContain(hmacClient.secret);
    expect((await call('GET', `/clients/${hmacClient.id}`)).body).not.toHaveProperty('sealedSecret');
    const rotated = await call('POST', `/clients/${hmacClient.id}/secret`);
    const oldConfig = await oidc.discovery(new URL(idp.url), hmacClient.id, {}, oidc.ClientSecretJwt(hmacClient.secret), insecure);
    await expect(oidc.clientCredentialsGrant(oldConfig, { scope: 'orders:read', resource: ORDERS })).rejects.toMatchObject({
      error: 'invalid_client',
    });
    const newConfig = await oidc.discovery(new URL(idp.url), hmacClient.id, {}, oidc.ClientSecretJwt(rotated.body.secret), insecure);
    await expect(oidc.clientCredentialsGrant(newConfig, { scope: 'orders:read', resource: ORDERS })).resolves.toHaveProperty(
      'access_token',
    );
    hmacClient.secret = rotated.body.secret;
  });

  async function tokenRequest(clientId: string, assertion: string) {
    const response = await fetch(`${idp.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        scope: 'orders:read',
        resource: ORDERS,
        client_id: clientId,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: assertion,
      }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, string> };
  }

  const assertionClaims = (clientId: string) => ({ jti: randomUUID(), iss: clientId, sub: clientId, aud: idp.url });

  test('a replayed client_secret_jwt assertion is refused (invalid_client), nothing issued, audited', async () => {
    const assertion = await new SignJWT(assertionClaims(hmacClient.id))
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuedAt()
      .setExpirationTime('2m')
      .sign(new TextEncoder().encode(hmacClient.secret));
    const first = await tokenRequest(hmacClient.id, assertion);
    expect(first.status).toBe(200);
    const again = await tokenRequest(hmacClient.id, assertion);
    expect(again).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    expect(again.body.access_token).toBeUndefined();
    const [event] = await auditEventsOnce(idp, { action: 'oauth.refused', targetId: hmacClient.id }, (events) =>
      events.some((e) => String(e.details?.detail).includes('only be used once')),
    );
    expect(event).toMatchObject({
      reason: 'invalid_client',
      details: { endpoint: 'token', detail: expect.stringMatching(/only be used once/) },
    });
  });

  test('one private_key_jwt assertion sent many times at once is accepted exactly once', async () => {
    const service = await call('POST', '/clients', {
      name: 'Key service',
      service: true,
      tokenEndpointAuthMethod: 'private_key_jwt',
      jwks: { keys: [{ ...(await exportJWK(keys.publicKey)), kid: 'k1' }] },
      apis: [{ api: ORDERS, scopes: ['orders:read'] }],
    });
    const id = service.body.client.id as string;
    const assertion = await new SignJWT(assertionClaims(id))
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setIssuedAt()
      .setExpirationTime('2m')
      .sign(keys.privateKey);
    const answers = await Promise.all(Array.from({ length: 8 }, () => tokenRequest(id, assertion)));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    expect(answers.filter((a) => a.body.error === 'invalid_client')).toHaveLength(7);
  });

  test('key clients are checked when registered: keys required, public keys only, https key URLs, never both', async () => {
    const base = { name: 'K', service: true, tokenEndpointAuthMethod: 'private_key_jwt', apis: [{ api: ORDERS, scopes: ['orders:read'] }] };
    expect((await call('POST', '/clients', base)).body.problems).toEqual([expect.objectContaining({ code: 'keys_required' })]);
    const secretKey = { kty: 'EC', crv: 'P-256', x: 'a', y: 'b', d: 'private' };
    expect((await call('POST', '/clients', { ...base, jwks: { keys: [secretKey] } })).status).toBe(400);
    expect((await call('POST', '/clients', { ...base, jwksUri: 'http://keys.example.com/jwks' })).status).toBe(400);
    expect((await call('POST', '/clients', { ...base, jwksUri: 'https://localhost/jwks' })).status).toBe(400);
    expect((await call('POST', '/clients', { ...base, jwksUri: 'https://10.0.0.7/jwks' })).status).toBe(400);
    expect((await call('POST', '/clients', { ...base, jwksUri: 'https://[fd00::1]/jwks' })).status).toBe(400);
    const both = await call('POST', '/clients', {
      ...base,
      jwksUri: 'https://keys.example.com/jwks',
      jwks: { keys: [{ ...(await exportJWK(keys.publicKey)) }] },
    });
    expect(both.body.problems).toEqual([expect.objectContaining({ code: 'both_keys' })]);
    const byUri = await call('POST', '/clients', { ...base, jwksUri: 'https://keys.example.com/jwks' });
    expect(byUri.status).toBe(201);
    const broken = await call('POST', '/clients', { ...base, jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: '!!', y: '??' }] } });
    expect(broken.body.problems).toEqual([expect.objectContaining({ code: 'invalid_key' })]);
  });
});
