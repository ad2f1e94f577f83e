import { rawRequest } from '../support/raw-http.js';
import { startIdp, type TestIdp } from '../support/server.js';

const DISCOVERY = '/.well-known/openid-configuration';
const METRICS_TOKEN = 'metrics-token-for-the-public-documents-test';

/**
 * Headers whose values differ between two answers by nature; and the policy, which on the
 * provider's first answer allows any form target (its routes may post to a relying app).
 */
const PER_ANSWER = new Set(['date', 'x-request-id', 'vary', 'connection', 'keep-alive', 'content-security-policy']);

describe('discovery and JWKS answered from memory once computed', () => {
  let idp: TestIdp;
  let host: string;
  beforeAll(async () => {
    idp = await startIdp({ METRICS_TOKEN });
    host = new URL(idp.url).host;
  });
  afterAll(() => idp.stop());

  test.each([[DISCOVERY], ['/jwks']])(
    '%s: the remembered answer carries what the first one did, with its own request id',
    async (target) => {
      const first = await rawRequest(idp.url, target, { headers: { host } });
      const again = await rawRequest(idp.url, target, { headers: { host } });
      expect(again.status).toBe(200);
      expect(again.body).toBe(first.body);
      const kept = (headers: Record<string, unknown>) =>
        Object.fromEntries(Object.entries(headers).filter(([name]) => !PER_ANSWER.has(name)));
      expect(kept(again.headers)).toEqual(kept(first.headers));
      expect(again.headers['x-content-type-options']).toBe('nosniff');
      expect(again.headers['content-security-policy']).toMatch(/^default-src 'none';/);
      expect(again.headers['content-length']).toBe(String(Buffer.byteLength(first.body)));
      expect(again.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      expect(again.headers['x-request-id']).not.toBe(first.headers['x-request-id']);

      const head = await rawRequest(idp.url, target, { method: 'HEAD', headers: { host } });
      expect(head.status).toBe(200);
      expect(head.body).toBe('');
      expect(head.headers.etag).toBe(first.headers.etag);
      const listed = await rawRequest(idp.url, target, { headers: { host, 'if-none-match': `"other", W/${first.headers.etag}` } });
      expect(listed.status).toBe(304);
      expect(listed.headers['content-type']).toBeUndefined();
    },
  );

  test('a foreign host is still refused once the documents are remembered', async () => {
    await rawRequest(idp.url, DISCOVERY, { headers: { host } });
    const foreign = await rawRequest(idp.url, DISCOVERY, { headers: { host: 'evil.example' } });
    expect(foreign.status).toBe(421);
    expect(foreign.body).not.toContain('issuer');
    const absolute = await rawRequest(idp.url, `http://evil.example${DISCOVERY}`, { headers: { host } });
    expect(absolute.status).toBe(421);
  });

  test('other methods and a query string still reach the provider', async () => {
    const posted = await rawRequest(idp.url, '/jwks', { method: 'POST', headers: { host }, body: '' });
    expect(posted.status).not.toBe(200);
    const queried = await rawRequest(idp.url, '/jwks?x=1', { headers: { host } });
    expect(queried.status).toBe(200);
    expect(JSON.parse(queried.body)).toHaveProperty('keys');
  });

  test('answers from memory are counted in /metrics', async () => {
    const count = async () => {
      const text = (await rawRequest(idp.url, '/metrics', { headers: { host, authorization: `Bearer ${METRICS_TOKEN}` } })).body;
      const line = text
        .split('\n')
        .find((l) => l.startsWith('idp_http_request_duration_seconds_count{route="jwks",method="GET",status="2xx"}'));
      return Number(line?.split(' ')[1] ?? 0);
    };
    await rawRequest(idp.url, '/jwks', { headers: { host } });
    const before = await count();
    for (let i = 0; i < 3; i += 1) await rawRequest(idp.url, '/jwks', { headers: { host } });
    expect(await count()).toBe(before + 3);
  });
});
