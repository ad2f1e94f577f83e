import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { startIdp, type TestIdp } from '../support/server.js';
import { authorizationUrl } from '../support/fixtures.js';
import { TOKEN_TTL } from '../../src/config/defaults.js';

const REDIRECT_URI = 'http://localhost:8123/callback';
const LIMIT = 5;

/** What anonymous sign-in starts leave in the store: interactions and the login flows beside them. */
function storedSignIns(idp: TestIdp): number {
  const db = new DatabaseSync(path.join(idp.dataDir, 'idp.sqlite'), { readOnly: true });
  try {
    return (db.prepare("SELECT count(*) AS n FROM oidc_payloads WHERE model IN ('Interaction', 'LoginFlow')").get() as { n: number }).n;
  } finally {
    db.close();
  }
}

describe('anonymous sign-in starts cannot grow the database without bound', () => {
  let idp: TestIdp;
  let clientId: string;
  const start = (extra: Record<string, string> = {}, headers: Record<string, string> = {}) =>
    fetch(authorizationUrl(idp.url, clientId, REDIRECT_URI, extra), {
      redirect: 'manual',
      headers: { 'accept-language': 'en', ...headers },
    });

  beforeAll(async () => {
    idp = await startIdp({ INTERACTION_RATE_LIMIT: String(LIMIT), INTERACTION_RATE_WINDOW_SECONDS: '600' });
    ({
      client: { id: clientId },
    } = await idp.services.clients.create({ name: 'App', redirectUris: [REDIRECT_URI], firstParty: true }));
  });
  afterAll(() => idp.stop());

  test('an authorization request above MAX_AUTHORIZATION_REQUEST_BYTES is refused with a clear page and stores nothing', async () => {
    const before = storedSignIns(idp);
    const long = await start({ state: 'x'.repeat(9000) });
    expect(long.status).toBe(414);
    expect(await long.text()).toContain('The application sent a sign-in request that is too large.');

    const posted = await fetch(`${idp.url}/auth`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        client_id: clientId,
        redirect_uri: REDIRECT_URI,
        response_type: 'code',
        scope: 'openid',
        state: 'x'.repeat(9000),
      }),
    });
    expect(posted.status).toBe(413);
    expect(storedSignIns(idp)).toBe(before);
  });

  test(`one client address may start ${LIMIT} sign-ins per window; then 429 with Retry-After, and nothing more is stored`, async () => {
    const before = storedSignIns(idp);
    for (let i = 0; i < LIMIT; i += 1) {
      const started = await start({ state: `s${i}` });
      expect(started.status).toBe(303);
      // The sign-in page stores the login flow beside the interaction.
      const cookie = started.headers
        .getSetCookie()
        .map((c) => c.split(';')[0])
        .join('; ');
      expect((await fetch(new URL(started.headers.get('location')!, idp.url), { headers: { cookie } })).status).toBe(200);
    }
    expect(storedSignIns(idp)).toBe(before + 2 * LIMIT);

    const refused = await start({ state: 'one too many' });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await refused.text()).toContain('Too many sign-ins were started from your network.');
    expect(storedSignIns(idp)).toBe(before + 2 * LIMIT);
  });

  test('expired interactions and login flows are purged on SQLite: the row count falls', async () => {
    const stored = storedSignIns(idp);
    expect(stored).toBeGreaterThan(0);
    expect((await idp.purgeExpired()).oidc).toBe(0);
    expect(storedSignIns(idp)).toBe(stored);

    const { oidc } = await idp.purgeExpired(Date.now() + (TOKEN_TTL.Interaction + 60) * 1000);
    expect(oidc).toBeGreaterThanOrEqual(stored);
    expect(storedSignIns(idp)).toBe(0);
  });
});
