import * as oidc from 'openid-client';
import { startIdp, type TestIdp } from '../support/server.js';
import { WebClient } from '../support/web-client.js';
import { adminToken, api } from '../support/admin-client.js';
import type { GrandidConnection } from '../../src/federation/types.js';
import { API_KEY, SERVICE_KEY, startBroker, type Outcome } from '../support/grandid-broker.js';

const APP = 'http://localhost:8124/callback';
const APP_LOGGED_OUT = 'http://localhost:8124/logged-out';
/** A valid personnummer (Luhn) and its 12-digit form. */
const ADA = { personalNumber: '198112189876', givenName: 'Ada', surname: 'Lovelace', name: 'Ada Lovelace' };
/** Other people, each a valid number (the last a samordningsnummer: day 07 + 60). */
const BO = { personalNumber: '194108089816', givenName: 'Bo', surname: 'Ek', name: 'Bo Ek' };
const CILLA = { personalNumber: '197001011233', givenName: 'Cilla', surname: 'Berg', name: 'Cilla Berg' };
const DAN = { personalNumber: '198505152341', givenName: 'Dan', surname: 'Ström', name: 'Dan Ström' };
const EVA = { personalNumber: '199012313459', givenName: 'Eva', surname: 'Lind' };
const FREJ = { personalNumber: '196703678901', givenName: 'Frej', surname: 'Ask', name: 'Frej Ask' };
const GUN = { personalNumber: '195512126789', givenName: 'Gun', surname: 'Holm', name: 'Gun Holm' };
const EVERYONE = [ADA, BO, CILLA, DAN, EVA, FREJ, GUN];

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
    await call('POST', '/tenants', { slug: 'other', name: 'Other' });
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
    const client = await call('POST', '/clients', {
      name: 'Portal',
      redirectUris: [APP],
      postLogoutRedirectUris: [APP_LOGGED_OUT],
      firstParty: true,
    });
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
  const lastEvent = async (action: string) => (await idp.services.audit.list({ action, limit: 1 }))[0];
  const nordicId = async () => (await idp.services.tenants.get('nordic')).id;
  const accountCount = async () => (await idp.services.accounts.list(await nordicId(), { limit: 1000 })).length;
  const firstSignIn = (rule: 'link' | 'create' | 'refuse') =>
    call('PATCH', `/tenants/nordic/connections/${connectionId}`, { firstSignIn: rule });

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

  /** Signs the person in and redeems the code: the app's view of who signed in. */
  async function signInAs(attributes: Record<string, string>) {
    const flow = await signIn({ kind: 'ok', attributes });
    expect(flow.result.url).toMatch(/^http:\/\/localhost:8124\/callback\?code=/);
    const tokens = await oidc.authorizationCodeGrant(config, new URL(flow.result.url), { pkceCodeVerifier: flow.verifier });
    return { ...flow, tokens, claims: tokens.claims()! };
  }

  /** An account made by an administrator, with the personnummer tied to it through the admin API. */
  async function accountWith(email: string, personalNumber: string): Promise<string> {
    const created = await call('POST', '/tenants/nordic/accounts', { email, password: 'a long passphrase 42!' });
    expect(created.status).toBe(201);
    const tied = await call('PATCH', `/tenants/nordic/accounts/${created.body.id}`, { personalNumber });
    expect(tied.status).toBe(200);
    return created.body.id;
  }

  test('the keys are write-only in the API and sealed at rest; bad settings are refused', async () => {
    const read = await call('GET', `/tenants/nordic/connections/${connectionId}`);
    expect(read.body).toMatchObject({ kind: 'grandid', baseUrl: broker.baseUrl, hasKeys: true, firstSignIn: 'link' });
    expect(JSON.stringify(read.body)).not.toContain(API_KEY);
    expect(JSON.stringify(read.body)).not.toContain(SERVICE_KEY);
    const stored = (await idp.storage.connections.findById(connectionId)) as GrandidConnection;
    expect(stored.sealedKeys).toMatch(/^v1\./);
    expect(JSON.stringify(stored)).not.toContain(API_KEY);

    const before = (await call('GET', '/tenants/nordic/connections')).body.items.length;
    for (const bad of [
      { firstSignIn: 'invent' },
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
  });

  test('an administrator ties a personnummer in any valid form; it reads back masked, is stored only hashed and sealed, and audited masked', async () => {
    const created = await call('POST', '/tenants/nordic/accounts', { email: 'tied@nordic.example' });
    const id = created.body.id as string;
    expect(created.body.personalNumber).toBeNull();
    for (const form of ['19411208-9816', '411208-9816', '4112089816', '194112089816']) {
      // Bo is 194108089816; this one (another check digit) is not valid in any form.
      const refused = await call('PATCH', `/tenants/nordic/accounts/${id}`, { personalNumber: form });
      expect(refused.status).toBe(400);
      expect(refused.headers.get('content-type')).toContain('application/problem+json');
      expect(refused.body.errors ?? refused.body.problems).toEqual(
        expect.arrayContaining([expect.objectContaining({ field: 'personalNumber' })]),
      );
      expect(JSON.stringify(refused.body)).not.toContain(form);
    }
    for (const bad of ['', '19811318-9876', '2099-01-01', 'x'.repeat(5000), 198112189876]) {
      const refused = await call('PATCH', `/tenants/nordic/accounts/${id}`, { personalNumber: bad });
      expect(refused.status).toBe(400);
    }
    expect((await idp.storage.accounts.findById(id))!.personalNumber).toBeNull();

    for (const form of ['410808-9816', '4108089816', '19410808-9816', '194108089816']) {
      const set = await call('PATCH', `/tenants/nordic/accounts/${id}`, { personalNumber: form });
      expect(set.status).toBe(200);
      expect(set.body.personalNumber).toBe('19410808-****');
    }
    expect((await call('GET', `/tenants/nordic/accounts/${id}`)).body.personalNumber).toBe('19410808-****');
    expect((await call('GET', '/tenants/nordic/accounts')).body.items.find((a: { id: string }) => a.id === id).personalNumber).toBe(
      '19410808-****',
    );
    const stored = (await idp.storage.accounts.findById(id))!;
    expect(stored.personalNumber!.sealed).toMatch(/^v1\./);
    expect(JSON.stringify(stored)).not.toMatch(/194108089816|4108089816/);
    expect(await lastEvent('admin.account.personal_number_set')).toMatchObject({
      target: { type: 'account', id },
      details: { before: null, after: '19410808-****' },
    });
    expect((await lastEvent('admin.account.update'))!.details).toMatchObject({ request: { personalNumber: '19410808-****' } });

    // One personnummer, one account of the tenant; another tenant may have the same person.
    const second = await call('POST', '/tenants/nordic/accounts', { email: 'second@nordic.example' });
    const taken = await call('PATCH', `/tenants/nordic/accounts/${second.body.id}`, { personalNumber: '19410808-9816' });
    expect(taken.status).toBe(409);
    expect((await idp.storage.accounts.findById(second.body.id))!.personalNumber).toBeNull();
    const elsewhere = await call('POST', '/tenants/other/accounts', { email: 'bo@other.example' });
    expect((await call('PATCH', `/tenants/other/accounts/${elsewhere.body.id}`, { personalNumber: '194108089816' })).status).toBe(200);
    // Another tenant's account is not found under this one.
    expect((await call('PATCH', `/tenants/nordic/accounts/${elsewhere.body.id}`, { personalNumber: null })).status).toBe(404);

    const cleared = await call('PATCH', `/tenants/nordic/accounts/${id}`, { personalNumber: null });
    expect(cleared.status).toBe(200);
    expect(cleared.body.personalNumber).toBeNull();
    expect((await idp.storage.accounts.findById(id))!.personalNumber).toBeNull();
    expect(await lastEvent('admin.account.personal_number_removed')).toMatchObject({
      details: { before: '19410808-****', after: null },
    });
    await call('DELETE', `/tenants/nordic/accounts/${id}`);
    await call('DELETE', `/tenants/nordic/accounts/${second.body.id}`);
  });

  test('the OpenAPI document describes personalNumber on the account', async () => {
    const doc = (await (await fetch(`${idp.url}/admin/v1/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { requestBody?: unknown; responses?: unknown }>>;
    };
    const patch = doc.paths['/tenants/{tenant}/accounts/{id}']!.patch!;
    const body = JSON.stringify(patch.requestBody);
    expect(body).toContain('personalNumber');
    expect(JSON.stringify(patch.responses)).toContain('personalNumber');
  });

  test('a known person signs in to the account tied to their personnummer, in either form; the first time links the identity', async () => {
    const accountId = await accountWith('ada@nordic.example', '811218-9876');
    const first = await signInAs(ADA);
    expect(first.claims).toMatchObject({ sub: accountId, amr: ['fed'] });
    expect(await lastEvent('account.identity_linked')).toMatchObject({
      target: { type: 'account', id: accountId },
      details: { connectionId, kind: 'grandid', person: '19811218-****' },
    });
    expect(await lastFederatedEvent()).toMatchObject({
      outcome: 'success',
      target: { type: 'account', id: accountId },
      details: { connectionId, kind: 'grandid', person: '19811218-****' },
    });
    expect((await idp.storage.accounts.findById(accountId))!.identities).toEqual([
      expect.objectContaining({ connectionId, subject: expect.stringMatching(/^pnr:/) }),
    ]);
    // The 10-digit form with separator from the broker is the same person.
    const again = await signInAs({ ...ADA, personalNumber: '811218-9876' });
    expect(again.claims.sub).toBe(accountId);
  });

  test('first sign-in refuse: a person with a personnummer on an account but no link yet is refused; once linked, they sign in', async () => {
    const accountId = await accountWith('cilla@nordic.example', CILLA.personalNumber);
    await firstSignIn('refuse');
    const refused = await signIn({ kind: 'ok', attributes: CILLA });
    expect(refused.result.response.status).toBe(403);
    expect(await lastFederatedEvent()).toMatchObject({
      outcome: 'failure',
      reason: 'identity_not_linked',
      details: { person: '19700101-****' },
    });
    await firstSignIn('link');
    expect((await signInAs(CILLA)).claims.sub).toBe(accountId);
    await firstSignIn('refuse');
    expect((await signInAs(CILLA)).claims.sub).toBe(accountId);
    await firstSignIn('link');
  });

  test.each<[string, 'link' | 'refuse', string]>([
    ['link', 'link', 'no_matching_account'],
    ['refuse', 'refuse', 'identity_not_linked'],
  ])('an unknown person with first sign-in %s is refused and nothing is created', async (_n, rule, reason) => {
    await firstSignIn(rule);
    const count = await accountCount();
    const flow = await signIn({ kind: 'ok', attributes: BO });
    expect(flow.result.response.status).toBe(403);
    expect(flow.result.html).toContain('could not be accepted');
    expect(await lastFederatedEvent()).toMatchObject({
      outcome: 'failure',
      reason,
      details: { connectionId, kind: 'grandid', person: '19410808-****' },
    });
    expect(await accountCount()).toBe(count);
    await firstSignIn('link');
  });

  test("first sign-in create: an unknown person gets an account from the broker's name, without an e-mail address, and signs in to it again", async () => {
    expect((await firstSignIn('create')).status).toBe(200);
    const count = await accountCount();
    const first = await signInAs(DAN);
    expect(await accountCount()).toBe(count + 1);
    const account = (await call('GET', `/tenants/nordic/accounts/${first.claims.sub}`)).body;
    expect(account).toMatchObject({ name: 'Dan Ström', email: null, personalNumber: '19850515-****', state: 'active', hasPassword: false });
    expect(await lastEvent('account.created_jit')).toMatchObject({
      target: { type: 'account', id: first.claims.sub },
      details: { connectionId, kind: 'grandid', person: '19850515-****' },
    });
    expect((await signInAs(DAN)).claims.sub).toBe(first.claims.sub);
    expect(await accountCount()).toBe(count + 1);
    // No name attribute: given name and surname.
    const eva = await signInAs(EVA);
    expect((await call('GET', `/tenants/nordic/accounts/${eva.claims.sub}`)).body).toMatchObject({ name: 'Eva Lind', email: null });
    // An existing account with the personnummer is linked, not duplicated.
    const frejId = await accountWith('frej@nordic.example', FREJ.personalNumber);
    expect((await signInAs(FREJ)).claims.sub).toBe(frejId);
    // The e-ID account is listed, and its e-mail set later makes it an ordinary account.
    const list = (await call('GET', '/tenants/nordic/accounts?limit=200')).body.items as { id: string; email: string | null }[];
    expect(list.find((a) => a.id === first.claims.sub)!.email).toBeNull();
    const named = await call('PATCH', `/tenants/nordic/accounts/${first.claims.sub}`, { email: 'dan@nordic.example' });
    expect(named.body).toMatchObject({ email: 'dan@nordic.example', personalNumber: '19850515-****' });
    expect((await signInAs(DAN)).claims.sub).toBe(first.claims.sub);
    await firstSignIn('link');
  });

  test('two parallel first sign-ins of one person under create make one account', async () => {
    await firstSignIn('create');
    const count = await accountCount();
    const flows = await Promise.all([0, 1, 2].map(() => signIn({ kind: 'ok', attributes: GUN })));
    const subs = await Promise.all(
      flows.map(async (f) => {
        if (!f.result.url.startsWith(APP)) return null;
        const tokens = await oidc.authorizationCodeGrant(config, new URL(f.result.url), { pkceCodeVerifier: f.verifier });
        return tokens.claims()!.sub;
      }),
    );
    expect(await accountCount()).toBe(count + 1);
    const signedIn = subs.filter((s) => s !== null);
    expect(signedIn.length).toBeGreaterThanOrEqual(1);
    expect(new Set(signedIn).size).toBe(1);
    await firstSignIn('link');
  });

  test('a personnummer changed or removed by an administrator no longer signs anyone in through the old link', async () => {
    const accountId = (await signInAs(ADA)).claims.sub;
    // Corrected to another person's number: Ada's old link stops counting and is removed.
    await call('PATCH', `/tenants/nordic/accounts/${accountId}`, { personalNumber: BO.personalNumber });
    const refused = await signIn({ kind: 'ok', attributes: ADA });
    expect(refused.result.response.status).toBe(403);
    expect(await lastFederatedEvent()).toMatchObject({
      outcome: 'failure',
      reason: 'no_matching_account',
      details: { person: '19811218-****' },
    });
    expect((await idp.storage.accounts.findById(accountId))!.identities).toEqual([]);
    // Bo, whose number it now is, signs in to it.
    expect((await signInAs(BO)).claims.sub).toBe(accountId);
    await call('PATCH', `/tenants/nordic/accounts/${accountId}`, { personalNumber: null });
    expect((await signIn({ kind: 'ok', attributes: BO })).result.response.status).toBe(403);
    await call('PATCH', `/tenants/nordic/accounts/${accountId}`, { personalNumber: ADA.personalNumber });
  });

  test('a disabled or locked account is refused; a tenant requiring 2FA sends the person to enrol', async () => {
    const accountId = (await signInAs(ADA)).claims.sub;
    await call('PATCH', `/tenants/nordic/accounts/${accountId}`, { state: 'disabled' });
    const disabled = await signIn({ kind: 'ok', attributes: ADA });
    expect(disabled.result.response.status).toBe(403);
    expect(await lastFederatedEvent()).toMatchObject({ outcome: 'failure', reason: 'account_not_active' });
    await call('PATCH', `/tenants/nordic/accounts/${accountId}`, { state: 'active' });
    const at = new Date().toISOString();
    await idp.storage.accounts.update(accountId, (a) => ({
      ...a,
      state: 'locked',
      lockedAt: at,
      lockedReason: 'too_many_failed_attempts',
    }));
    const locked = await signIn({ kind: 'ok', attributes: ADA });
    expect(locked.result.response.status).toBe(403);
    expect(await lastFederatedEvent()).toMatchObject({ outcome: 'failure', reason: 'account_locked' });
    await call('POST', `/tenants/nordic/accounts/${accountId}/unlock`, { reason: 'test' });

    await idp.services.tenants.setPolicy(await nordicId(), { password: { require2fa: true } });
    try {
      const enrol = await signIn({ kind: 'ok', attributes: ADA });
      expect(enrol.result.url.startsWith(APP)).toBe(false);
      expect(enrol.result.html).toContain('Set up two-step verification');
    } finally {
      await idp.services.tenants.setPolicy(await nordicId(), { password: { require2fa: false } });
    }
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
    [
      'no personnummer at all',
      { kind: 'ok', attributes: { givenName: 'Ada', surname: 'Lovelace' } },
      'invalid_personal_number',
      'could not be completed',
    ],
  ])('the broker says %s: its own page, an audit event with the reason, nobody signed in', async (_n, outcome, reason, text) => {
    await firstSignIn('create');
    const count = await accountCount();
    const flow = await signIn(outcome);
    expect(flow.result.response.status).toBe(403);
    expect(flow.result.url.startsWith(APP)).toBe(false);
    expect(flow.result.html).toContain(text);
    expect(await lastFederatedEvent()).toMatchObject({ outcome: 'failure', reason, details: { connectionId, kind: 'grandid' } });
    expect(await accountCount()).toBe(count);
    await firstSignIn('link');
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

  test('signing out ends the session at the broker too (Logout with its session id), logged without the id or keys', async () => {
    const signedIn = await signInAs(ADA);
    const brokerSession = broker.lastSession();
    expect(broker.loggedOut).not.toContain(brokerSession);
    const logoutUrl = oidc.buildEndSessionUrl(config, {
      id_token_hint: signedIn.tokens.id_token!,
      post_logout_redirect_uri: APP_LOGGED_OUT,
    });
    const confirm = await signedIn.browser.follow(logoutUrl.toString());
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(confirm.html)![1]!;
    const action = /id="op.logoutForm" method="post" action="([^"]+)"/.exec(confirm.html)![1]!;
    const done = await signedIn.browser.follow(new URL(action, idp.url).toString(), { form: { xsrf, logout: 'yes' } }, (u) =>
      u.startsWith(APP_LOGGED_OUT),
    );
    expect(done.url.startsWith(APP_LOGGED_OUT)).toBe(true);
    // The broker is called after the answer (best effort): wait for it, however long a loaded machine takes.
    for (let i = 0; i < 600 && !broker.loggedOut.includes(brokerSession); i += 1) await new Promise((r) => setTimeout(r, 50));
    expect(broker.loggedOut).toContain(brokerSession);
    for (let i = 0; i < 600 && !idp.logs().includes('upstream session ended'); i += 1) await new Promise((r) => setTimeout(r, 50));
    expect(idp.logs()).toContain('upstream session ended');
    expect(idp.logs()).not.toContain(brokerSession);
  });

  test('no full personnummer or key in the audit trail or the logs', async () => {
    const audit = JSON.stringify(await idp.services.audit.list({ limit: 10_000 }));
    const logs = idp.logs();
    const forms = EVERYONE.flatMap(({ personalNumber: n }) => [
      n,
      n.slice(2),
      `${n.slice(2, 8)}-${n.slice(8)}`,
      `${n.slice(0, 8)}-${n.slice(8)}`,
    ]);
    for (const secret of [...forms, '4108089816', API_KEY, SERVICE_KEY]) {
      expect(audit).not.toContain(secret);
      expect(logs).not.toContain(secret);
    }
    expect(audit).toContain('19410808-****');
    expect(audit).toContain('19850515-****');
    expect(broker.seenQueries.some((q) => q.includes(API_KEY))).toBe(true);
  });
});
