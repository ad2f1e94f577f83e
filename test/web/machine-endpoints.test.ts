import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { startIdp, type TestIdp } from '../support/server.js';
import { rawRequest } from '../support/raw-http.js';

const FORM = 'application/x-www-form-urlencoded';
const PAGE_ONLY_HEADERS = ['referrer-policy', 'cross-origin-opener-policy', 'cross-origin-resource-policy', 'permissions-policy'];

/**
 * The provider's endpoints for apps and APIs (token, introspection, userinfo, …) are served by a
 * shorter middleware chain than pages. What every answer owes its caller must hold there too:
 * the request id (in the answer and in every log line), the host check, timing in /metrics, and
 * the headers that apply to an answer that is never a page.
 */
describe('the provider endpoints for apps and APIs', () => {
  let idp: TestIdp;
  let basic: string;

  beforeAll(async () => {
    idp = await startIdp({ LOG_LEVEL: 'debug', METRICS_TOKEN: 'metrics-token-for-the-test-0123456789' });
    const { client, secret } = await idp.services.clients.create({ name: 'Service', admin: true });
    basic = `Basic ${Buffer.from(`${client.id}:${secret!}`).toString('base64')}`;
  });
  afterAll(() => idp.stop());

  const token = (path: string, host?: string) =>
    rawRequest(idp.url, path, {
      method: 'POST',
      headers: { authorization: basic, 'content-type': FORM, ...(host ? { host } : {}) },
      body: 'grant_type=client_credentials&scope=admin',
    });

  test('answer with a request id, logged with it, and with the API headers only', async () => {
    const answer = await token('/token');
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ token_type: 'Bearer', expires_in: expect.any(Number) });
    const id = answer.headers['x-request-id'] as string;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
    expect(answer.headers['x-frame-options']).toBe('DENY');
    expect(answer.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(answer.headers['cache-control']).toBe('no-store');
    for (const name of PAGE_ONLY_HEADERS) expect(answer.headers[name]).toBeUndefined();
    const logged = idp
      .logs()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { requestId?: string; msg: string; path?: string });
    expect(logged.filter((line) => line.requestId === id).map((line) => line.msg)).toContain('request');
  });

  test('refuse a request addressed to another host, as every route does', async () => {
    const answer = await token('/token', 'evil.example');
    expect(answer.status).toBe(421);
    expect(answer.body).not.toContain('access_token');
  });

  test('reached by another spelling, the same endpoint answers alike through the whole chain', async () => {
    const answer = await token('/TOKEN/');
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toHaveProperty('access_token');
    expect(answer.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
  });

  test('pages still carry every page header', async () => {
    const page = await rawRequest(idp.url, '/auth?client_id=nope&response_type=code&scope=openid');
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    for (const name of PAGE_ONLY_HEADERS) expect(page.headers[name]).toBeDefined();
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
  });

  test('are timed in /metrics under their route family', async () => {
    await token('/token');
    const metrics = await rawRequest(idp.url, '/metrics', { headers: { authorization: 'Bearer metrics-token-for-the-test-0123456789' } });
    expect(metrics.status).toBe(200);
    const count = /idp_http_request_duration_seconds_count\{route="token",method="POST",status="2xx"\} (\d+)/.exec(metrics.body);
    expect(Number(count?.[1])).toBeGreaterThanOrEqual(2);
  });
});

/**
 * Behind a proxy that ends TLS, the issuer is https while the request reaches us over http. The
 * lane's answers must name and check the issuer's URLs, as the whole app's do: a DPoP proof is
 * bound to `https://…/token`, and a proof for the URL as reached over http is not the same proof.
 */
describe('the provider endpoints for apps and APIs behind a proxy that ends TLS', () => {
  const ISSUER = 'https://id.example.test';
  let idp: TestIdp;
  let basic: string;

  beforeAll(async () => {
    idp = await startIdp({ ISSUER });
    const { client, secret } = await idp.services.clients.create({
      name: 'Bound service',
      admin: true,
      dpopBoundAccessTokens: true,
    });
    basic = `Basic ${Buffer.from(`${client.id}:${secret!}`).toString('base64')}`;
  });
  afterAll(() => idp.stop());

  async function proof(htu: string) {
    const key = await generateKeyPair('ES256');
    return new SignJWT({ htm: 'POST', htu, jti: randomUUID() })
      .setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk: await exportJWK(key.publicKey) })
      .setIssuedAt()
      .sign(key.privateKey);
  }

  const token = async (htu: string) => {
    const answer = await rawRequest(idp.url, '/token', {
      method: 'POST',
      headers: { authorization: basic, 'content-type': FORM, host: 'id.example.test', dpop: await proof(htu) },
      body: 'grant_type=client_credentials&scope=admin',
    });
    return { status: answer.status, body: JSON.parse(answer.body) as Record<string, string> };
  };

  test("a proof for the issuer's token endpoint is accepted", async () => {
    const answer = await token(`${ISSUER}/token`);
    expect(answer.status).toBe(200);
    expect(answer.body.token_type).toBe('DPoP');
  });

  test('a proof for the URL as reached over http is refused', async () => {
    const answer = await token('http://id.example.test/token');
    expect(answer).toMatchObject({ status: 400, body: { error: 'invalid_dpop_proof' } });
  });
});
