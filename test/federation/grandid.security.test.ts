import { createServer, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import * as oidc from 'openid-client';
import { startIdp, type TestIdp } from '../support/server.js';
import { WebClient } from '../support/web-client.js';
import { adminToken, api } from '../support/admin-client.js';
import { grandidSubject } from '../../src/federation/connectors/grandid/connector.js';
import type { GrandidConnection } from '../../src/federation/types.js';

const APP = 'http://localhost:8124/callback';
const API_KEY = 'api-key-0123456789';
const SERVICE_KEY = 'service-key-abcdef';
/** A valid personnummer (Luhn) and its 12-digit form. */
const ADA = { personalNumber: '198112189876', givenName: 'Ada', surname: 'Lovelace', name: 'Ada Lovelace' };

type Outcome = { kind: 'ok'; attributes: Record<string, string> } | { kind: 'error'; code: string; status: 200 | 400 };

/**
 * A small GrandID broker following JSON API 1.1: FederatedLogin (POST, keys in the query,
 * callbackUrl in the form body) and GetSession; errors as {errorObject: {code, message}}.
 */
async function startBroker() {
  const sessions = new Map<string, { callbackUrl: string; outcome: Outcome }>();
  let next: Outcome = { kind: 'ok', attributes: ADA };
  const seenQueries: string[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url!, 'http://localhost');
    seenQueries.push(url.search);
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const keysOk = url.searchParams.get('apiKey') === API_KEY && url.searchParams.get('authenticateServiceKey') === SERVICE_KEY;
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      if (url.pathname === '/json1.1/FederatedLogin' && req.method === 'POST') {
        if (!keysOk) return send(400, { errorObject: { code: 'APIKEYNOTVALID', message: 'Invalid apiKey' } });
        const callbackUrl = new URLSearchParams(body).get('callbackUrl') ?? '';
        const sessionId = randomBytes(12).toString('hex');
        sessions.set(sessionId, { callbackUrl, outcome: next });
        return send(200, { sessionId, redirectUrl: `${base}/login?sessionid=${sessionId}` });
      }
      if (url.pathname === '/login') {
        // The person uses their e-ID app here; the broker sends the browser back either way.
        const sessionId = url.searchParams.get('sessionid') ?? '';
        const session = sessions.get(sessionId);
        if (!session) return send(404, {});
        res.writeHead(302, { location: `${session.callbackUrl}?grandidsession=${sessionId}` });
        return res.end();
      }
      if (url.pathname === '/json1.1/GetSession') {
        if (!keysOk) return send(400, { errorObject: { code: 'APIKEYNOTVALID', message: 'Invalid apiKey' } });
        const sessionId = url.searchParams.get('sessionId') ?? '';
        const session = sessions.get(sessionId);
        if (!session) return send(400, { errorObject: { code: 'SESSIONNOTFOUND', message: 'No such session' } });
        const { outcome } = session;
        if (outcome.kind === 'error') return send(outcome.status, { errorObject: { code: outcome.code, message: 'no' } });
        return send(200, { sessionId, username: outcome.attributes.personalNumber, userAttributes: outcome.attributes });
      }
      send(404, {});
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    baseUrl: `${base}/json1.1/`,
    next: (outcome: Outcome) => (next = outcome),
    seenQueries,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('Swedish e-ID through the GrandID broker', () => {
  let broker: Awaited<ReturnType<typeof startBroker>>;
  let idp: TestIdp;
  let call: ReturnType<typeof api>;
  let config: oidc.Configuration;
  let connectionId: string;
  let otherId: string;

  beforeAll(async () => {
    broker = await startBroker();
    idp = await startIdp();
    call = api(idp.url, (await adminToken(idp)).token);
    await call('POST', '/tenants', { slug: 'nordic', name: 'Nordic', domains: ['nordic.example'] });
    const created = await call('POST', '/tenants/nordic/connections', {
      kind: 'grandid',
      name: 'BankID',
      baseUrl: broker.baseUrl,
      apiKey: API_KEY,
      serviceKey: SERVICE_KEY,
      firstSignIn: 'link',
    });
    expect(created.status).toBe(201);
    connectionId = created.body.id;
    const other = await call('POST', '/tenants/nordic/connections', {
      kind: 'grandid',
      name: 'Freja eID',
      baseUrl: broker.baseUrl,
      apiKey: API_KEY,
      serviceKey: SERVICE_KEY,
    });
    expect(other.status).toBe(201);
    otherId = other.body.id;
    const client = await call('POST', '/clients', { name: 'Portal', redirectUris: [APP], firstParty: true });
    config = await oidc.discovery(new URL(idp.url), client.body.client.id, client.body.secret, undefined, {
      execute: [oidc.allowInsecureRequests],
    });
  });
  afterAll(async () => {
    await idp?.stop();
    await broker?.close();
  });

  const toApp = (url: string) => url.startsWith(APP);
  const lastFederatedEvent = async () => (await idp.services.audit.list({ action: 'login.federated', limit: 1 }))[0];
  const nordicId = async () => (await idp.services.tenants.get('nordic')).id;

  /** The app sends the browser to sign in; the person picks the e-ID button; the broker sends it back. */
  async function signIn(outcome: Outcome, via = () => connectionId, stopAt: (url: string) => boolean = toApp) {
    broker.next(outcome);
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: APP,
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    const browser = new WebClient();
    const page = await browser.follow(url.toString());
    const base = new URL(/action="([^"]*)\/email"/.exec(page.html)![1]!, idp.url).toString();
    const result = await browser.follow(`${base}/federation/${via()}`, {}, stopAt);
    return { browser, verifier, result };
  }

  /** Ties Ada's personnummer to an account the way a sign-in finds it: the connection's keyed hash as the identity subject. */
  async function linkAda(): Promise<string> {
    const account = await idp.services.accounts.create(await nordicId(), {
      email: 'ada@nordic.example',
      password: 'a long passphrase 42!',
    });
    const stored = (await idp.storage.connections.findById(connectionId)) as GrandidConnection;
    const subject = grandidSubject(idp.services.connections.grandidSecretsOf(stored).subjectKey, ADA.personalNumber);
    await idp.storage.accounts.update(account.id, (current) => ({
      ...current,
      identities: [{ connectionId, subject, linkedAt: new Date().toISOString() }],
    }));
    return account.id;
  }

  test('the keys are write-only in the API and sealed at rest; create (no e-mail from the broker) is refused', async () => {
    const read = await call('GET', `/tenants/nordic/connections/${connectionId}`);
    expect(read.body).toMatchObject({ kind: 'grandid', baseUrl: broker.baseUrl, hasKeys: true, firstSignIn: 'link' });
    expect(JSON.stringify(read.body)).not.toContain(API_KEY);
    expect(JSON.stringify(read.body)).not.toContain(SERVICE_KEY);
    const stored = (await idp.storage.connections.findById(connectionId)) as GrandidConnection;
    expect(stored.sealedKeys).toMatch(/^v1\./);
    expect(JSON.stringify(stored)).not.toContain(API_KEY);

    const before = (await call('GET', '/tenants/nordic/connections')).body.items.length;
    for (const bad of [
      { firstSignIn: 'create' },
      { baseUrl: 'http://grandid.example/json1.1/' },
      { baseUrl: 'https://client.grandid.com/json1.1' },
      { apiKey: '' },
    ]) {
      const refused = await call('POST', '/tenants/nordic/connections', {
        kind: 'grandid',
        name: 'Bad',
        baseUrl: broker.baseUrl,
        apiKey: API_KEY,
        serviceKey: SERVICE_KEY,
        ...bad,
      });
      expect(refused.status).toBe(400);
    }
    expect((await call('GET', '/tenants/nordic/connections')).body.items.length).toBe(before);
    const patch = await call('PATCH', `/tenants/nordic/connections/${connectionId}`, { firstSignIn: 'create' });
    expect(patch.status).toBe(400);
    expect(((await idp.storage.connections.findById(connectionId)) as GrandidConnection).firstSignIn).toBe('link');
  });

  test('a known person signs in to the account tied to their personnummer, in either form', async () => {
    const accountId = await linkAda();
    const flow = await signIn({ kind: 'ok', attributes: ADA });
    expect(flow.result.url).toMatch(/^http:\/\/localhost:8124\/callback\?code=/);
    const tokens = await oidc.authorizationCodeGrant(config, new URL(flow.result.url), { pkceCodeVerifier: flow.verifier });
    expect(tokens.claims()).toMatchObject({ sub: accountId, amr: ['fed'] });
    // The 10-digit form with separator from the broker is the same person.
    const again = await signIn({ kind: 'ok', attributes: { ...ADA, personalNumber: '811218-9876' } });
    expect(again.result.url).toMatch(/^http:\/\/localhost:8124\/callback\?code=/);
  });

  test.each<[string, 'link' | 'refuse', string]>([
    ['link', 'link', 'no_matching_account'],
    ['refuse', 'refuse', 'identity_not_linked'],
  ])('an unknown person with first sign-in %s is refused and nothing is created', async (_n, rule, reason) => {
    await call('PATCH', `/tenants/nordic/connections/${connectionId}`, { firstSignIn: rule });
    const count = (await idp.services.accounts.list(await nordicId(), { limit: 100 })).length;
    const flow = await signIn({ kind: 'ok', attributes: { ...ADA, personalNumber: '194108089816', name: 'Bo Ek' } });
    expect(flow.result.response.status).toBe(403);
    expect(flow.result.html).toContain('could not be accepted');
    expect(await lastFederatedEvent()).toMatchObject({
      outcome: 'failure',
      reason,
      details: { connectionId, kind: 'grandid', person: '19410808-****' },
    });
    expect((await idp.services.accounts.list(await nordicId(), { limit: 100 })).length).toBe(count);
    await call('PATCH', `/tenants/nordic/connections/${connectionId}`, { firstSignIn: 'link' });
  });

  test.each<[string, Outcome, string, string]>([
    ['cancelled', { kind: 'error', code: 'CANCELLED', status: 200 }, 'cancelled', 'The e-ID sign-in was cancelled.'],
    ['expired', { kind: 'error', code: 'EXPIRED', status: 400 }, 'expired', 'took too long and expired'],
    ['already in progress', { kind: 'error', code: 'ALREADY_IN_PROGRESS', status: 200 }, 'already_in_progress', 'already in progress'],
    ['failed', { kind: 'error', code: 'BANKID_MSG_FAILED', status: 400 }, 'failed', 'could not be completed'],
    [
      'an invalid personnummer',
      { kind: 'ok', attributes: { ...ADA, personalNumber: '198112189877' } },
      'invalid_personal_number',
      'could not be completed',
    ],
  ])('the broker says %s: its own page, an audit event with the reason, nobody signed in', async (_n, outcome, reason, text) => {
    const flow = await signIn(outcome);
    expect(flow.result.response.status).toBe(403);
    expect(flow.result.url.startsWith(APP)).toBe(false);
    expect(flow.result.html).toContain(text);
    expect(await lastFederatedEvent()).toMatchObject({ outcome: 'failure', reason, details: { connectionId, kind: 'grandid' } });
  });

  test('the pages are in Swedish for a Swedish browser', async () => {
    broker.next({ kind: 'error', code: 'CANCELLED', status: 200 });
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: APP,
      scope: 'openid',
      ui_locales: 'sv',
      code_challenge: 'x'.repeat(43),
      code_challenge_method: 'S256',
    });
    const browser = new WebClient();
    const page = await browser.follow(url.toString());
    const base = new URL(/action="([^"]*)\/email"/.exec(page.html)![1]!, idp.url).toString();
    const result = await browser.follow(`${base}/federation/${connectionId}`, {}, toApp);
    expect(result.html).toContain('Inloggningen med e-legitimation avbröts.');
  });

  test('a bad API key: the broker refuses FederatedLogin, the person sees the service is unavailable, audited', async () => {
    const bad = await call('POST', '/tenants/nordic/connections', {
      kind: 'grandid',
      name: 'Wrong key',
      baseUrl: broker.baseUrl,
      apiKey: 'not-the-key',
      serviceKey: SERVICE_KEY,
    });
    const flow = await signIn({ kind: 'ok', attributes: ADA }, () => bad.body.id);
    expect(flow.result.response.status).toBe(502);
    expect(await lastFederatedEvent()).toMatchObject({
      outcome: 'failure',
      reason: 'broker_error',
      details: { connectionId: bad.body.id },
    });
    await call('DELETE', `/tenants/nordic/connections/${bad.body.id}`);
  });

  test('a session id is spent once, and is refused at another connection', async () => {
    let callback = '';
    const flow = await signIn(
      { kind: 'ok', attributes: ADA },
      () => connectionId,
      (u) => {
        if (u.includes('grandidsession=')) callback = u;
        return toApp(u);
      },
    );
    expect(flow.result.url.startsWith(APP)).toBe(true);
    const replay = await flow.browser.follow(callback, {}, toApp);
    expect(replay.response.status).toBe(400);
    expect(await lastFederatedEvent()).toMatchObject({ outcome: 'failure', reason: 'state_replayed' });

    let fresh = '';
    await signIn(
      { kind: 'ok', attributes: ADA },
      () => connectionId,
      (u) => {
        if (u.includes('grandidsession=')) fresh = u;
        return u.includes('grandidsession=');
      },
    );
    const elsewhere = fresh.replace(`/grandid/${connectionId}/`, `/grandid/${otherId}/`);
    const refused = await new WebClient().follow(elsewhere, {}, toApp);
    expect(refused.response.status).toBe(400);
    expect(await lastFederatedEvent()).toMatchObject({ outcome: 'failure', reason: 'unknown_state', details: { connectionId: otherId } });
  });

  test('no full personnummer or key in the audit trail or the logs', async () => {
    const audit = JSON.stringify(await idp.services.audit.list({ limit: 1000 }));
    const logs = idp.logs();
    for (const secret of [ADA.personalNumber, '8112189876', '194108089816', API_KEY, SERVICE_KEY]) {
      expect(audit).not.toContain(secret);
      expect(logs).not.toContain(secret);
    }
    expect(audit).toContain('19410808-****');
    expect(broker.seenQueries.some((q) => q.includes(API_KEY))).toBe(true);
  });
});
