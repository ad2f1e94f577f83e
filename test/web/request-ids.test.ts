import { startIdp, type TestIdp } from '../support/server.js';
import { FormClient, passwordStep } from '../support/form-client.js';
import { authorizationUrl, seed } from '../support/fixtures.js';

const REDIRECT_URI = 'http://localhost:8123/callback';

describe('request ids', () => {
  let idp: TestIdp;
  let fixture: Awaited<ReturnType<typeof seed>>;
  beforeAll(async () => {
    idp = await startIdp({ LOG_LEVEL: 'debug' });
    fixture = await seed(idp, { redirectUri: REDIRECT_URI });
  });
  afterAll(() => idp.stop());

  test('every log line written while serving a request names its id, which the answer carries', async () => {
    const browser = new FormClient(idp.url);
    const { csrf, action } = await passwordStep(browser, authorizationUrl(idp.url, fixture.client.id, REDIRECT_URI), 'ann@acme.example');
    const answer = await browser.request(action, { form: { csrf, password: 'wrong' } });
    const id = answer.headers.get('x-request-id')!;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const lines = idp
      .logs()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { requestId?: string; msg: string });
    const mine = lines.filter((l) => l.requestId === id);
    expect(mine.map((l) => l.msg)).toEqual(expect.arrayContaining(['audit login.password failure', 'request']));
    // Another request, another id; a client cannot choose its own without a trusted proxy.
    const other = await fetch(`${idp.url}/healthz`, { headers: { 'x-request-id': 'chosen-by-client' } });
    expect(other.headers.get('x-request-id')).not.toBe('chosen-by-client');
    expect(other.headers.get('x-request-id')).not.toBe(id);
  });

  test("an error page shows the request id, in the person's language", async () => {
    const response = await fetch(
      `${idp.url}/auth?client_id=nope&response_type=code&scope=openid&redirect_uri=${encodeURIComponent(REDIRECT_URI)}`,
      {
        headers: { 'accept-language': 'sv' },
      },
    );
    expect(response.status).toBeGreaterThanOrEqual(400);
    const id = response.headers.get('x-request-id')!;
    const page = await response.text();
    expect(page).toContain(`Referens för support: ${id}`);
  });
});
