import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import * as oidc from 'openid-client';
import { startIdp, type TestIdp } from '../support/server.js';
import { FormClient, codeFlowTokens } from '../support/form-client.js';
import { PASSWORD, seed } from '../support/fixtures.js';
import { openSqliteStorage } from '../../src/storage/sqlite/index.js';
import { RememberedTokens } from '../../src/oidc/remembered-tokens.js';
import type { Storage } from '../../src/storage/port.js';

const REDIRECT_URI = 'http://localhost:8123/callback';
const FORM = 'application/x-www-form-urlencoded';
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

/**
 * Userinfo and introspection answer repeat lookups of a token from memory. Whatever ends a token
 * (revocation through this server, a row removed or changed by another process, consumption,
 * expiry) must count from the very next request, as it would if every lookup read the store.
 */
describe('tokens remembered between requests give way to everything that ends them', () => {
  let idp: TestIdp;
  let other: DatabaseSync;
  let app: { id: string; secret: string };
  let service: { id: string; secret: string };

  const userinfo = (token: string) => fetch(`${idp.url}/me`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);
  const post = (route: string, client: { id: string; secret: string }, body: Record<string, string>) =>
    fetch(`${idp.url}${route}`, {
      method: 'POST',
      headers: { authorization: basic(client.id, client.secret), 'content-type': FORM },
      body: new URLSearchParams(body).toString(),
    });
  const active = async (token: string, client = service) =>
    ((await (await post('/token/introspection', client, { token })).json()) as { active: boolean }).active;
  const serviceToken = async () =>
    ((await (await post('/token', service, { grant_type: 'client_credentials', scope: 'admin' })).json()) as { access_token: string })
      .access_token;

  const signedIn = async () => {
    const config = await oidc.discovery(new URL(idp.url), app.id, app.secret, undefined, { execute: [oidc.allowInsecureRequests] });
    return codeFlowTokens(
      config,
      new FormClient(idp.url),
      { email: 'ann@acme.example', password: PASSWORD },
      { redirectUri: REDIRECT_URI },
    );
  };

  beforeAll(async () => {
    idp = await startIdp();
    const fixture = await seed(idp, { redirectUri: REDIRECT_URI });
    app = { id: fixture.client.id, secret: fixture.secret };
    const created = await idp.services.clients.create({ name: 'Batch job', admin: true });
    service = { id: created.client.id, secret: created.secret! };
    // Another connection to the same file: what the CLI or a second node on this host uses.
    other = new DatabaseSync(path.join(idp.dataDir, 'idp.sqlite'));
    other.exec('PRAGMA busy_timeout = 5000');
  });
  afterAll(async () => {
    other.close();
    await idp.stop();
  });

  test('an access token revoked through this server fails userinfo at the next request', async () => {
    const tokens = await signedIn();
    expect([await userinfo(tokens.access_token), await userinfo(tokens.access_token)]).toEqual([200, 200]);

    expect((await post('/token/revocation', app, { token: tokens.access_token, token_type_hint: 'access_token' })).status).toBe(200);

    expect(await userinfo(tokens.access_token)).toBe(401);
  });

  test('an access token removed from the database file by another process fails userinfo at the next request', async () => {
    const tokens = await signedIn();
    expect([await userinfo(tokens.access_token), await userinfo(tokens.access_token)]).toEqual([200, 200]);

    expect(other.prepare("DELETE FROM oidc_payloads WHERE model = 'AccessToken'").run().changes).toBeGreaterThan(0);

    expect(await userinfo(tokens.access_token)).toBe(401);
  });

  test('a grant ended by another process takes its remembered access token with it', async () => {
    const tokens = await signedIn();
    expect([await userinfo(tokens.access_token), await userinfo(tokens.access_token)]).toEqual([200, 200]);

    expect(other.prepare("DELETE FROM oidc_payloads WHERE model = 'Grant'").run().changes).toBeGreaterThan(0);

    expect(await userinfo(tokens.access_token)).toBe(401);
  });

  test('a service token introspected as active is inactive once revoked, or removed by another process', async () => {
    const revoked = await serviceToken();
    const removed = await serviceToken();
    expect([await active(revoked), await active(revoked), await active(removed), await active(removed)]).toEqual([true, true, true, true]);

    expect((await post('/token/revocation', service, { token: revoked })).status).toBe(200);
    expect(await active(revoked)).toBe(false);

    expect(other.prepare("DELETE FROM oidc_payloads WHERE model = 'ClientCredentials'").run().changes).toBeGreaterThan(0);
    expect(await active(removed)).toBe(false);
  });

  test('a refresh token introspected as active is inactive once it has been used', async () => {
    const tokens = await signedIn();
    const first = tokens.refresh_token!;
    expect([await active(first, app), await active(first, app)]).toEqual([true, true]);

    const refreshed = await post('/token', app, { grant_type: 'refresh_token', refresh_token: first });
    expect(refreshed.status).toBe(200);

    expect(await active(first, app)).toBe(false);
    expect((await post('/token', app, { grant_type: 'refresh_token', refresh_token: first })).status).toBe(400);
  });

  test('a value that is no token is refused alike however often it is tried', async () => {
    for (let attempt = 0; attempt < 3; attempt += 1) {
      expect(await userinfo('no-such-token-value-0123456789abcdefghijklm')).toBe(401);
      expect(await active('no-such-token-value-0123456789abcdefghijklm')).toBe(false);
    }
  });
});

describe('the memory of token lookups, on a real SQLite file', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'idp-remembered-'));
  let storage: Storage;
  let tokens: RememberedTokens;
  const exp = (seconds: number) => Math.floor(Date.now() / 1000) + seconds;

  beforeAll(() => {
    storage = openSqliteStorage(path.join(dir, 'store.sqlite'));
    tokens = new RememberedTokens(storage.oidc);
  });
  afterAll(async () => {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a token looked up before it was stored is found once this process stores it', async () => {
    expect(await tokens.find('AccessToken', 'stored-later')).toBeUndefined();
    await tokens.upsert('AccessToken', 'stored-later', { clientId: 'c1', exp: exp(60) }, Date.now() + 60_000);
    expect(await tokens.find('AccessToken', 'stored-later')).toEqual({ clientId: 'c1', exp: expect.any(Number) });
  });

  test('a lookup racing the write of the same token does not leave it remembered as absent', async () => {
    const [found] = await Promise.all([
      tokens.find('AccessToken', 'racing'),
      tokens.upsert('AccessToken', 'racing', { clientId: 'c1', exp: exp(60) }, Date.now() + 60_000),
    ]);
    expect(found).toBeUndefined();
    expect(await tokens.find('AccessToken', 'racing')).toMatchObject({ clientId: 'c1' });
  });

  test('a remembered token is not found once its expiry has passed', async () => {
    await tokens.upsert('AccessToken', 'short-lived', { clientId: 'c1', exp: exp(1) }, Date.now() + 60_000);
    expect(await tokens.find('AccessToken', 'short-lived')).toMatchObject({ clientId: 'c1' });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await tokens.find('AccessToken', 'short-lived')).toBeUndefined();
  });

  test('each lookup gets its own copy: changing what was found changes nothing remembered', async () => {
    await tokens.upsert('Grant', 'g1', { accountId: 'a1', openid: { scope: 'openid' }, exp: exp(60) }, Date.now() + 60_000);
    const first = (await tokens.find('Grant', 'g1')) as { openid: { scope: string } };
    first.openid.scope = 'openid admin';
    expect(await tokens.find('Grant', 'g1')).toMatchObject({ openid: { scope: 'openid' } });
  });

  test('an overlong value is looked up in the store every time, never remembered as absent', async () => {
    const long = 'x'.repeat(500);
    expect(await tokens.find('AccessToken', long)).toBeUndefined();
    await storage.oidc.upsert('AccessToken', long, { clientId: 'c1', exp: exp(60) }, Date.now() + 60_000);
    expect(await tokens.find('AccessToken', long)).toMatchObject({ clientId: 'c1' });
  });

  test('a grant removed and stored again (its consent page was open meanwhile) is found again, as on another node', async () => {
    await storage.oidc.upsert('Grant', 'g-again', { accountId: 'a1', exp: exp(60) }, Date.now() + 60_000);
    expect(await tokens.find('Grant', 'g-again')).toMatchObject({ accountId: 'a1' });
    await storage.oidc.destroy('Grant', 'g-again');
    expect(await tokens.find('Grant', 'g-again')).toBeUndefined();
    await storage.oidc.upsert('Grant', 'g-again', { accountId: 'a1', exp: exp(60) }, Date.now() + 60_000);
    expect(await tokens.find('Grant', 'g-again')).toMatchObject({ accountId: 'a1' });
  });

  test('a refresh token consumed by another node is seen consumed at once (reuse detection ends the grant)', async () => {
    await tokens.upsert('RefreshToken', 'rt-elsewhere', { grantId: 'g9', exp: exp(60) }, Date.now() + 60_000);
    expect(await tokens.find('RefreshToken', 'rt-elsewhere')).not.toHaveProperty('consumed');
    const other = new DatabaseSync(path.join(dir, 'store.sqlite'));
    try {
      // Hashed ids are the layer below's business: this store is the bare SQLite one, ids as given.
      other.prepare("UPDATE oidc_payloads SET consumed_at = 77 WHERE model = 'RefreshToken' AND id = 'rt-elsewhere'").run();
    } finally {
      other.close();
    }
    // In the same turn of the event loop: no revision read in between could tell.
    expect(await tokens.find('RefreshToken', 'rt-elsewhere')).toMatchObject({ consumed: 77 });
  });

  test('kinds without a revision (sessions, interactions) are read from the store every time', async () => {
    await storage.oidc.upsert('Session', 's1', { accountId: 'a1', exp: exp(60) }, Date.now() + 60_000);
    expect(await tokens.find('Session', 's1')).toMatchObject({ accountId: 'a1' });
    await storage.oidc.upsert('Session', 's1', { accountId: 'a2', exp: exp(60) }, Date.now() + 60_000);
    expect(await tokens.find('Session', 's1')).toMatchObject({ accountId: 'a2' });
    expect(storage.oidc.revision('Session')).toBeNull();
  });
});
