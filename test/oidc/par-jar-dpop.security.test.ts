import { randomUUID } from 'node:crypto';
import * as oidc from 'openid-client';
import { exportJWK, generateKeyPair, SignJWT, UnsecuredJWT, type GenerateKeyPairResult } from 'jose';
import { startIdp, type TestIdp } from '../support/server.js';
import { adminToken, api } from '../support/admin-client.js';
import { FormClient, signIn } from '../support/form-client.js';
import { PASSWORD } from '../support/fixtures.js';
import { auditEventsOnce } from '../support/audit-events.js';

const ORDERS = 'https://orders.example.com';
const REDIRECT_URI = 'http://localhost:8123/callback';
const insecure = { execute: [oidc.allowInsecureRequests] };
const PAR_URN = 'urn:ietf:params:oauth:request_uri:';

describe('pushed and signed authorization requests, DPoP-bound tokens', () => {
  let idp: TestIdp;
  let call: ReturnType<typeof api>;
  let keys: GenerateKeyPairResult;

  beforeAll(async () => {
    idp = await startIdp({ LOGIN_RATE_LIMIT: '10000' });
    call = api(idp.url, (await adminToken(idp)).token);
    await call('POST', '/tenants', { slug: 'acme', name: 'Acme' });
    await call('POST', '/tenants/acme/accounts', { email: 'ann@acme.example', password: PASSWORD });
    await call('POST', '/apis', { identifier: ORDERS, scopes: ['orders:read'] });
    keys = await generateKeyPair('ES256', { extractable: true });
  });
  afterAll(() => idp.stop());

  async function appClient(settings: Record<string, unknown>) {
    const created = await call('POST', '/clients', { name: 'App', redirectUris: [REDIRECT_URI], firstParty: true, ...settings });
    expect({ status: created.status, problems: created.body.problems }).toEqual({ status: 201, problems: undefined });
    return { id: created.body.client.id as string, secret: created.body.secret as string | null };
  }

  async function pkce() {
    const verifier = oidc.randomPKCECodeVerifier();
    return { verifier, params: { code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' } };
  }

  const refusalsOf = async (clientId: string, atLeast = 1) =>
    auditEventsOnce(idp, { action: 'oauth.refused', targetId: clientId }, (events) => events.length >= atLeast);

  describe('PAR (RFC 9126)', () => {
    let client: { id: string; secret: string | null };
    let config: oidc.Configuration;
    beforeAll(async () => {
      client = await appClient({ requirePushedAuthorizationRequests: true });
      config = await oidc.discovery(new URL(idp.url), client.id, client.secret!, undefined, insecure);
    });

    test('discovery names the endpoint, and a client that must use it is refused a plain request', async () => {
      expect(config.serverMetadata().pushed_authorization_request_endpoint).toBe(`${idp.url}/request`);
      const { params } = await pkce();
      const plain = oidc.buildAuthorizationUrl(config, { redirect_uri: REDIRECT_URI, scope: 'openid', ...params });
      const answer = await new FormClient(idp.url).request(plain.toString());
      const location = new URL(answer.headers.get('location')!);
      expect(location.searchParams.get('error')).toBe('invalid_request');
      expect(location.searchParams.get('error_description')).toMatch(/Pushed Authorization Request must be used/);
      expect(location.searchParams.get('code')).toBeNull();
    });

    test('a pushed request signs in; its request_uri cannot be used a second time', async () => {
      const { verifier, params } = await pkce();
      const url = await oidc.buildAuthorizationUrlWithPAR(config, { redirect_uri: REDIRECT_URI, scope: 'openid', ...params });
      expect(url.searchParams.get('request_uri')).toMatch(/^urn:ietf:params:oauth:request_uri:/);
      const callback = await signIn(new FormClient(idp.url), url.toString(), 'ann@acme.example', PASSWORD);
      const tokens = await oidc.authorizationCodeGrant(config, new URL(callback), {
        pkceCodeVerifier: verifier,
        expectedState: oidc.skipStateCheck,
      });
      expect(tokens.claims()!.aud).toBe(client.id);

      const again = await new FormClient(idp.url).request(url.toString());
      expect(again.status).toBe(400);
      expect(again.headers.get('location')).toBeNull();
      expect(await again.text()).toContain('invalid_request_uri');
      expect((await refusalsOf(client.id, 2)).some((e) => e.reason === 'invalid_request_uri')).toBe(true);
    });

    test('an expired request_uri is refused', async () => {
      const { params } = await pkce();
      const url = await oidc.buildAuthorizationUrlWithPAR(config, { redirect_uri: REDIRECT_URI, scope: 'openid', ...params });
      const id = url.searchParams.get('request_uri')!.slice(PAR_URN.length);
      const stored = await idp.storage.oidc.find('PushedAuthorizationRequest', id);
      expect(stored).toBeDefined();
      // As if its 60 seconds had passed: the record says it expired (the store would purge it soon).
      await idp.storage.oidc.upsert(
        'PushedAuthorizationRequest',
        id,
        { ...stored, exp: Math.floor(Date.now() / 1000) - 1 },
        Date.now() + 60_000,
      );
      const answer = await new FormClient(idp.url).request(url.toString());
      expect(answer.status).toBe(400);
      expect(await answer.text()).toContain('invalid_request_uri');
      // The plain request, the reused request_uri, and this one.
      const refused = (await refusalsOf(client.id, 3)).filter((e) => e.reason === 'invalid_request_uri');
      expect(refused).toHaveLength(2);
      expect(refused[0]).toMatchObject({ details: { endpoint: 'authorization', description: expect.stringMatching(/expired/) } });
    });
  });

  describe('JAR: signed request objects (RFC 9101)', () => {
    let client: { id: string };
    let config: oidc.Configuration;
    beforeAll(async () => {
      client = await appClient({
        tokenEndpointAuthMethod: 'private_key_jwt',
        jwks: { keys: [{ ...(await exportJWK(keys.publicKey)), kid: 'k1' }] },
      });
      config = await oidc.discovery(new URL(idp.url), client.id, {}, oidc.PrivateKeyJwt({ key: keys.privateKey, kid: 'k1' }), insecure);
    });

    test('discovery lists the request object algorithms, and a signed request object signs in', async () => {
      expect(config.serverMetadata().request_parameter_supported).toBe(true);
      expect(config.serverMetadata().request_object_signing_alg_values_supported).toEqual(['RS256', 'ES256', 'PS256']);
      const { verifier, params } = await pkce();
      const url = await oidc.buildAuthorizationUrlWithJAR(
        config,
        { redirect_uri: REDIRECT_URI, scope: 'openid', ...params },
        { key: keys.privateKey, kid: 'k1' },
      );
      expect(url.searchParams.get('request')).toBeTruthy();
      const callback = await signIn(new FormClient(idp.url), url.toString(), 'ann@acme.example', PASSWORD);
      const tokens = await oidc.authorizationCodeGrant(config, new URL(callback), {
        pkceCodeVerifier: verifier,
        expectedState: oidc.skipStateCheck,
      });
      expect(tokens.claims()!.aud).toBe(client.id);
    });

    test('an unsigned request object, or one signed with another key, is refused', async () => {
      const { params } = await pkce();
      const claims = { client_id: client.id, redirect_uri: REDIRECT_URI, response_type: 'code', scope: 'openid', ...params };
      const unsigned = new UnsecuredJWT(claims).setIssuer(client.id).setAudience(idp.url).setIssuedAt().setExpirationTime('1m').encode();
      const other = await generateKeyPair('ES256');
      const forged = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
        .setIssuer(client.id)
        .setAudience(idp.url)
        .setIssuedAt()
        .setExpirationTime('1m')
        .sign(other.privateKey);
      for (const request of [unsigned, forged]) {
        const url = new URL('/auth', idp.url);
        url.search = new URLSearchParams({
          client_id: client.id,
          response_type: 'code',
          scope: 'openid',
          redirect_uri: REDIRECT_URI,
          request,
        }).toString();
        const answer = await new FormClient(idp.url).request(url.toString());
        const location = answer.headers.get('location');
        const error = location ? new URL(location).searchParams.get('error') : /invalid_request_object/.exec(await answer.text())?.[0];
        expect(error).toBe('invalid_request_object');
      }
    });
  });

  describe('DPoP (RFC 9449)', () => {
    let service: { id: string; secret: string };
    let config: oidc.Configuration;
    beforeAll(async () => {
      const created = await call('POST', '/clients', {
        name: 'Bound service',
        service: true,
        dpopBoundAccessTokens: true,
        apis: [{ api: ORDERS, scopes: ['orders:read'] }],
      });
      service = { id: created.body.client.id, secret: created.body.secret };
      config = await oidc.discovery(new URL(idp.url), service.id, service.secret, undefined, insecure);
    });

    async function proof(key: GenerateKeyPairResult, htu: string, jti = randomUUID()) {
      return new SignJWT({ htm: 'POST', htu, jti })
        .setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk: await exportJWK(key.publicKey) })
        .setIssuedAt()
        .sign(key.privateKey);
    }

    async function tokenWithProof(dpop: string | undefined) {
      const response = await fetch(`${idp.url}/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${service.id}:${service.secret}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
          ...(dpop ? { dpop } : {}),
        },
        body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'orders:read', resource: ORDERS }),
      });
      return { status: response.status, body: (await response.json()) as Record<string, string> };
    }

    test('discovery lists the proof algorithms', () => {
      expect(config.serverMetadata().dpop_signing_alg_values_supported).toEqual(['ES256', 'RS256', 'PS256', 'EdDSA']);
    });

    test('a client bound to DPoP gets no token without a proof', async () => {
      const answer = await tokenWithProof(undefined);
      expect(answer).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
      expect(answer.body.access_token).toBeUndefined();
      const [event] = await refusalsOf(service.id);
      expect(event).toMatchObject({ reason: 'invalid_grant', details: { endpoint: 'token', detail: 'DPoP proof JWT not provided' } });
    });

    test("with openid-client's DPoP handle the token is bound to the key (cnf.jkt)", async () => {
      const keyPair = await oidc.randomDPoPKeyPair('ES256');
      const tokens = await oidc.clientCredentialsGrant(
        config,
        { scope: 'orders:read', resource: ORDERS },
        { DPoP: oidc.getDPoPHandle(config, keyPair) },
      );
      expect(tokens.token_type.toLowerCase()).toBe('dpop');
      const payload = JSON.parse(Buffer.from(tokens.access_token.split('.')[1]!, 'base64url').toString()) as { cnf?: { jkt?: string } };
      expect(payload.cnf?.jkt).toEqual(expect.any(String));
    });

    test('a replayed proof is refused, and so is a proof made for another URL; nothing issued, audited', async () => {
      const key = await generateKeyPair('ES256');
      const once = await proof(key, `${idp.url}/token`);
      expect((await tokenWithProof(once)).status).toBe(200);
      const replay = await tokenWithProof(once);
      expect(replay).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
      expect(replay.body.access_token).toBeUndefined();
      const elsewhere = await tokenWithProof(await proof(key, `${idp.url}/me`));
      expect(elsewhere).toMatchObject({ status: 400, body: { error: 'invalid_dpop_proof' } });
      // This client's refusals so far: the missing proof, the replay, the other URL.
      const events = await refusalsOf(service.id, 3);
      expect(events.map((e) => [e.reason, e.details?.detail ?? e.details?.description])).toEqual(
        expect.arrayContaining([
          ['invalid_grant', 'DPoP proof JWT Replay detected'],
          ['invalid_dpop_proof', 'DPoP proof htu mismatch'],
        ]),
      );
    });

    test("a person's DPoP-bound tokens: userinfo refuses the access token as a bearer token, refresh needs the proof", async () => {
      const app = await appClient({ dpopBoundAccessTokens: true });
      const appConfig = await oidc.discovery(new URL(idp.url), app.id, app.secret!, undefined, insecure);
      const handle = oidc.getDPoPHandle(appConfig, await oidc.randomDPoPKeyPair('ES256'));
      const { verifier, params } = await pkce();
      const url = oidc.buildAuthorizationUrl(appConfig, {
        redirect_uri: REDIRECT_URI,
        scope: 'openid offline_access',
        prompt: 'consent',
        ...params,
      });
      const callback = await signIn(new FormClient(idp.url), url.toString(), 'ann@acme.example', PASSWORD);
      const tokens = await oidc.authorizationCodeGrant(
        appConfig,
        new URL(callback),
        { pkceCodeVerifier: verifier, expectedState: oidc.skipStateCheck },
        undefined,
        { DPoP: handle },
      );
      expect(tokens.token_type.toLowerCase()).toBe('dpop');
      const sub = tokens.claims()!.sub;
      expect(await oidc.fetchUserInfo(appConfig, tokens.access_token, sub, { DPoP: handle })).toMatchObject({ sub });
      const asBearer = await fetch(`${idp.url}/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
      expect(asBearer.status).toBe(401);
      await expect(oidc.refreshTokenGrant(appConfig, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
      await expect(oidc.refreshTokenGrant(appConfig, tokens.refresh_token!, undefined, { DPoP: handle })).resolves.toHaveProperty(
        'access_token',
      );
    });
  });
});
