import * as oidc from 'openid-client';
import { startIdp, freePort, type TestIdp } from '../support/server.js';
import { startUpstreams, type Upstreams } from '../support/upstream.js';
import { WebClient } from '../support/web-client.js';
import { PASSWORD } from '../support/fixtures.js';
import { adminToken, api } from '../support/admin-client.js';
import type { OidcConnection } from '../../src/federation/types.js';

const TID_A = '11111111-1111-4111-8111-111111111111';
const TID_B = '22222222-2222-4222-8222-222222222222';
const APP = 'http://localhost:8123/callback';
const UPSTREAM_CLIENT = {
  client_id: 'our-idp',
  client_secret: 'upstream-client-secret-value',
  token_endpoint_auth_method: 'client_secret_post' as const,
};

describe('federated sign-in through Google, Entra ID and a generic OpenID provider', () => {
  let upstreams: Upstreams;
  let idp: TestIdp;
  let call: ReturnType<typeof api>;
  let app: { id: string; secret: string };
  let config: oidc.Configuration;
  const connections: Record<string, string> = {};

  beforeAll(async () => {
    const port = await freePort();
    upstreams = await startUpstreams({
      clients: [{ ...UPSTREAM_CLIENT, redirect_uris: [`http://localhost:${port}/federation/callback`] }],
      entraTenants: [TID_A, TID_B],
    });
    idp = await startIdp({ PORT: String(port) }, undefined, { upstreamFetch: upstreams.fetch });
    call = api(idp.url, (await adminToken(idp)).token);

    await call('POST', '/tenants', { slug: 'acme', name: 'Acme', domains: ['acme.example'] });
    await call('POST', '/tenants', { slug: 'contoso', name: 'Contoso', domains: ['contoso.example'] });
    await call('POST', '/tenants', { slug: 'initech', name: 'Initech', passwordsAllowed: false });
    const secret = UPSTREAM_CLIENT.client_secret;
    connections.google = (
      await call('POST', '/tenants/acme/connections', {
        kind: 'google',
        name: 'Google',
        clientId: 'our-idp',
        clientSecret: secret,
        allowedGoogleDomains: ['acme.example'],
        firstSignIn: 'create',
      })
    ).body.id;
    connections.entra = (
      await call('POST', '/tenants/contoso/connections', {
        kind: 'entra',
        name: 'Microsoft',
        clientId: 'our-idp',
        clientSecret: secret,
        allowedEntraTenants: [TID_A],
        firstSignIn: 'link',
        trustUpstreamMfa: true,
      })
    ).body.id;
    connections.oidc = (
      await call('POST', '/tenants/initech/connections', {
        kind: 'oidc',
        name: 'Initech SSO',
        issuer: upstreams.oidcIssuer,
        clientId: 'our-idp',
        clientSecret: secret,
        firstSignIn: 'create',
      })
    ).body.id;
    expect(Object.values(connections).every(Boolean)).toBe(true);

    const created = await call('POST', '/clients', { name: 'Portal', redirectUris: [APP], firstParty: true });
    app = { id: created.body.client.id, secret: created.body.secret };
    config = await oidc.discovery(new URL(idp.url), app.id, app.secret, undefined, { execute: [oidc.allowInsecureRequests] });

    upstreams.addUser('alice', { email: 'alice@acme.example', email_verified: true, hd: 'acme.example', name: 'Alice' });
    upstreams.addUser('mallory', { email: 'mallory@evil.example', email_verified: true, hd: 'evil.example', name: 'Mallory' });
    upstreams.addUser('nohd', { email: 'nohd@acme.example', email_verified: true, name: 'No Domain' });
    upstreams.addUser('bob', { tid: TID_A, oid: 'oid-bob', email: 'bob@contoso.example', xms_edov: true, name: 'Bob' });
    upstreams.addUser('eve', { tid: TID_B, oid: 'oid-eve', email: 'bob@contoso.example', xms_edov: true, name: 'Eve' });
    upstreams.addUser('carol', { tid: TID_A, oid: 'oid-carol', email: 'carol@contoso.example', name: 'Carol' });
    upstreams.addUser('ines', { email: 'ines@initech.example', email_verified: true, name: 'Ines' });
    upstreams.addUser('unverified', { email: 'bob@contoso.example', email_verified: false, name: 'Unverified' });
  });
  afterAll(async () => {
    await idp?.stop();
    await upstreams?.close();
  });

  const toApp = (url: string) => url.startsWith(APP);

  /** Opens the sign-in for the app, enters the e-mail, and follows wherever it leads. */
  async function signInWithEmail(email: string, extra: Record<string, string> = {}) {
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: APP,
      scope: 'openid email',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      ...extra,
    });
    const browser = new WebClient(upstreams.route);
    const start = await browser.follow(url.toString(), {}, toApp);
    // Straight to the app, or to an error page: no e-mail step was shown.
    if (toApp(start.url) || !start.html.includes('name="email"')) return { browser, verifier, result: start };
    const csrf = /name="csrf" value="([^"]+)"/.exec(start.html)![1]!;
    const action = /action="([^"]*\/email)"/.exec(start.html)![1]!;
    const result = await browser.follow(new URL(action, idp.url).toString(), { form: { csrf, email } }, toApp);
    return { browser, verifier, result };
  }

  async function tokensFrom(flow: Awaited<ReturnType<typeof signInWithEmail>>) {
    expect(flow.result.url).toMatch(/^http:\/\/localhost:8123\/callback\?code=/);
    return oidc.authorizationCodeGrant(config, new URL(flow.result.url), { pkceCodeVerifier: flow.verifier });
  }

  const lastFederatedEvent = async () => (await idp.services.audit.list({ action: 'login.federated', limit: 1 }))[0];

  test('Google Workspace: home-realm discovery by domain, account created just in time, then linked', async () => {
    upstreams.signInAs('alice');
    const first = await tokensFrom(await signInWithEmail('alice@acme.example'));
    expect(first.claims()).toMatchObject({ tenant: 'acme', amr: ['fed'] });
    expect(await lastFederatedEvent()).toMatchObject({ outcome: 'success', details: { kind: 'google', connectionId: connections.google } });
    const [created] = await idp.services.audit.list({ action: 'account.created_jit', limit: 1 });
    expect(created).toMatchObject({ details: { kind: 'google' } });
    const account = (await idp.services.accounts.findById(first.claims()!.sub))!;
    expect(account).toMatchObject({ email: 'alice@acme.example', passwordHash: null, identities: [{ connectionId: connections.google }] });

    const second = await tokensFrom(await signInWithEmail('alice@acme.example'));
    expect(second.claims()!.sub).toBe(account.id);
    expect(
      (await idp.services.accounts.list(account.tenantId, { limit: 100 })).filter((a) => a.email === 'alice@acme.example'),
    ).toHaveLength(1);
  });

  test('Google: a token without the allowed hd, or with another domain, is refused on the server', async () => {
    for (const user of ['mallory', 'nohd']) {
      upstreams.signInAs(user);
      const flow = await signInWithEmail('alice@acme.example');
      expect(flow.result.response.status).toBe(403);
      expect(flow.result.html).toContain('The sign-in through your organisation could not be accepted.');
      expect(await lastFederatedEvent()).toMatchObject({ outcome: 'failure', reason: 'google_domain_not_allowed' });
    }
  });

  test('Entra ID: the templated issuer resolves from tid; the identity links to the existing account by tid:oid; upstream MFA is trusted', async () => {
    const bob = await idp.services.accounts.create((await idp.services.tenants.get('contoso')).id, {
      email: 'bob@contoso.example',
      password: PASSWORD,
    });
    upstreams.entraHome(TID_A);
    upstreams.signInAs('bob', { amr: ['pwd', 'mfa'] });
    const tokens = await tokensFrom(await signInWithEmail('bob@contoso.example'));
    expect(tokens.claims()).toMatchObject({ sub: bob.id, tenant: 'contoso', amr: ['fed', 'mfa'], acr: 'urn:idp:acr:mfa' });
    expect((await idp.services.accounts.findById(bob.id))!.identities).toEqual([
      expect.objectContaining({ connectionId: connections.entra, subject: `${TID_A}:oid-bob` }),
    ]);
    const [linked] = await idp.services.audit.list({ action: 'account.identity_linked', limit: 1 });
    expect(linked).toMatchObject({ target: { id: bob.id }, details: { subject: `${TID_A}:oid-bob` } });
  });

  test('Entra ID: an e-mail Entra does not vouch for (no xms_edov) links nothing', async () => {
    await idp.services.accounts.create((await idp.services.tenants.get('contoso')).id, {
      email: 'carol@contoso.example',
      password: PASSWORD,
    });
    upstreams.entraHome(TID_A);
    upstreams.signInAs('carol');
    const flow = await signInWithEmail('carol@contoso.example');
    expect(flow.result.response.status).toBe(403);
    expect(flow.result.html).not.toContain('email_not_verified');
    expect(await lastFederatedEvent()).toMatchObject({ outcome: 'failure', reason: 'email_not_verified' });
  });

  test('Entra ID: a validly signed token from a tenant not on the allow-list is refused', async () => {
    upstreams.entraHome(TID_B);
    upstreams.signInAs('eve');
    const flow = await signInWithEmail('bob@contoso.example');
    expect(flow.result.response.status).toBe(403);
    expect(await lastFederatedEvent()).toMatchObject({ outcome: 'failure', reason: 'entra_tenant_not_allowed' });
    upstreams.entraHome(TID_A);
  });

  test('an app dedicated to a tenant that signs in only upstream goes straight there; passwords are refused for it', async () => {
    upstreams.signInAs('ines');
    const tokens = await tokensFrom(await signInWithEmail('unused', { tenant: 'initech' }));
    expect(tokens.claims()).toMatchObject({ tenant: 'initech', email: 'ines@initech.example' });
    const initech = await idp.services.tenants.get('initech');
    await idp.services.accounts.update(initech.id, tokens.claims()!.sub, { password: 'a password set by an admin' });
    await idp.services.tenants.update('initech', { domains: [] });
    const browser = new WebClient(upstreams.route);
    const page = await browser.follow(
      oidc
        .buildAuthorizationUrl(config, {
          redirect_uri: APP,
          scope: 'openid',
          code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
          code_challenge_method: 'S256',
        })
        .toString(),
    );
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.html)![1]!;
    const step = await browser.follow(new URL(/action="([^"]*\/email)"/.exec(page.html)![1]!, idp.url).toString(), {
      form: { csrf, email: 'ines@initech.example' },
    });
    const refused = await browser.request(new URL(/action="([^"]*\/password)"/.exec(step.html)![1]!, idp.url).toString(), {
      form: { csrf, password: 'a password set by an admin' },
    });
    expect(refused.status).toBe(401);
    expect((await idp.services.accounts.findById(tokens.claims()!.sub))!).toMatchObject({ failedAttempts: 0, state: 'active' });
    // Nor can anyone lock that person out by guessing at a password.
    for (let i = 0; i < 6; i += 1) {
      const again = new WebClient(upstreams.route);
      const p2 = await again.follow(
        oidc
          .buildAuthorizationUrl(config, {
            redirect_uri: APP,
            scope: 'openid',
            code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
            code_challenge_method: 'S256',
          })
          .toString(),
      );
      const c2 = /name="csrf" value="([^"]+)"/.exec(p2.html)![1]!;
      const s2 = await again.follow(new URL(/action="([^"]*\/email)"/.exec(p2.html)![1]!, idp.url).toString(), {
        form: { csrf: c2, email: 'ines@initech.example' },
      });
      await again.request(new URL(/action="([^"]*\/password)"/.exec(s2.html)![1]!, idp.url).toString(), {
        form: { csrf: c2, password: 'guess' },
      });
    }
    expect((await idp.services.accounts.findById(tokens.claims()!.sub))!).toMatchObject({ failedAttempts: 0, state: 'active' });
    // And "forgot password" sends nothing to a tenant without passwords.
    await idp.services.links.requestReset('ines@initech.example', { clientTenantIds: [] }, null, 'en', { ip: null, userAgent: null });
    const [reset] = await idp.services.audit.list({ action: 'account.reset_requested', limit: 1 });
    expect(reset).toMatchObject({ outcome: 'failure', reason: 'unknown_account' });
  });

  test.each([
    ['a bad signature', { foreignKey: true }, 'bad_signature'],
    ['a wrong audience', { claims: { aud: 'someone-else' } }, 'wrong_audience'],
    [
      'an expired token',
      { claims: { exp: Math.floor(Date.now() / 1000) - 3600, iat: Math.floor(Date.now() / 1000) - 7200 } },
      'token_expired',
    ],
    ['a mismatched nonce', { claims: { nonce: 'not-the-nonce' } }, 'nonce_mismatch'],
  ])('%s is refused and nothing is signed in', async (_name, tamper, reason) => {
    upstreams.signInAs('ines');
    upstreams.tamperNextIdToken(tamper);
    const flow = await signInWithEmail('unused', { tenant: 'initech' });
    expect(flow.result.response.status).toBe(403);
    expect(flow.result.url.startsWith(APP)).toBe(false);
    expect(await lastFederatedEvent()).toMatchObject({ outcome: 'failure', reason });
  });

  test('an unverified e-mail never links an account', async () => {
    upstreams.entraHome(TID_A);
    await call('PATCH', `/tenants/initech/connections/${connections.oidc}`, { firstSignIn: 'link' });
    await idp.services.accounts.create((await idp.services.tenants.get('initech')).id, { email: 'bob@contoso.example' });
    upstreams.signInAs('unverified');
    const flow = await signInWithEmail('unused', { tenant: 'initech' });
    expect(flow.result.response.status).toBe(403);
    expect(await lastFederatedEvent()).toMatchObject({ outcome: 'failure', reason: 'email_not_verified' });
    await call('PATCH', `/tenants/initech/connections/${connections.oidc}`, { firstSignIn: 'create' });
  });

  test('an invited account (created by an administrator) is taken into use by its first federated sign-in', async () => {
    const contoso = await idp.services.tenants.get('contoso');
    const dave = await idp.services.accounts.create(contoso.id, { email: 'dave@contoso.example' });
    expect(dave.state).toBe('invited');
    upstreams.addUser('dave', { tid: TID_A, oid: 'oid-dave', email: 'dave@contoso.example', xms_edov: true, name: 'Dave' });
    upstreams.entraHome(TID_A);
    upstreams.signInAs('dave', { amr: ['pwd', 'mfa'] });
    const tokens = await tokensFrom(await signInWithEmail('dave@contoso.example'));
    expect(tokens.claims()!.sub).toBe(dave.id);
    expect((await idp.services.accounts.findById(dave.id))!.state).toBe('active');
  });

  test('federation cannot start once this flow has verified someone (nothing they proved carries over)', async () => {
    const browser = new WebClient(upstreams.route);
    const page = await browser.follow(
      oidc
        .buildAuthorizationUrl(config, {
          redirect_uri: APP,
          scope: 'openid',
          code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
          code_challenge_method: 'S256',
        })
        .toString(),
    );
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.html)![1]!;
    const base = new URL(/action="([^"]*)\/email"/.exec(page.html)![1]!, idp.url).toString();
    const acme = await idp.services.tenants.get('acme');
    const local = await idp.services.accounts.create(acme.id, { email: 'local@elsewhere.example', password: PASSWORD });
    await idp.services.tenants.setPolicy(acme.id, { password: { minLength: 40, changeNonCompliantAtLogin: true } });
    try {
      const step = await browser.follow(`${base}/email`, { form: { csrf, email: local.email } });
      const change = await browser.follow(new URL(/action="([^"]*\/password)"/.exec(step.html)![1]!, idp.url).toString(), {
        form: { csrf, password: PASSWORD },
      });
      expect(change.html).toContain('Choose a new password');
      const start = await browser.request(`${base}/federation/${connections.google}`);
      expect(start.status).toBe(400);
    } finally {
      await idp.services.tenants.setPolicy(acme.id, {});
    }
  });

  test('an upstream answer for a tenant that stopped being active meanwhile signs nobody in (the one eligibility rule)', async () => {
    upstreams.signInAs('alice');
    let callback = '';
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: APP,
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    const browser = new WebClient(upstreams.route);
    const start = await browser.follow(url.toString());
    const csrf = /name="csrf" value="([^"]+)"/.exec(start.html)![1]!;
    const action = /action="([^"]*\/email)"/.exec(start.html)![1]!;
    await browser.follow(new URL(action, idp.url).toString(), { form: { csrf, email: 'alice@acme.example' } }, (next) => {
      if (next.includes('/federation/callback?')) callback = next;
      return callback !== '';
    });
    expect(callback).toContain('state=');
    const acme = (await idp.storage.tenants.findBySlug('acme'))!;
    await idp.storage.tenants.replace({ ...acme, state: 'scheduled_for_deletion' }, 'active');
    try {
      const answer = await browser.follow(callback, {}, toApp);
      expect(answer.response.status).toBe(403);
      expect(await lastFederatedEvent()).toMatchObject({ outcome: 'failure', reason: 'tenant_not_active' });
    } finally {
      await idp.storage.tenants.replace(acme, 'scheduled_for_deletion');
    }
  });

  test('a replayed callback (state) is refused', async () => {
    upstreams.signInAs('ines');
    let callback = '';
    const verifier = oidc.randomPKCECodeVerifier();
    const browser = new WebClient(upstreams.route);
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: APP,
      scope: 'openid',
      tenant: 'initech',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    await browser.follow(url.toString(), {}, (next) => {
      if (next.includes('/federation/callback?')) callback = next;
      return next.startsWith(APP);
    });
    expect(callback).toContain('state=');
    const replay = await browser.follow(callback);
    expect(replay.response.status).toBe(400);
    expect(await lastFederatedEvent()).toMatchObject({ outcome: 'failure', reason: 'state_replayed' });
  });

  test('connections: secrets sealed and never shown; invalid settings refused with every problem', async () => {
    const read = await call('GET', `/tenants/acme/connections/${connections.google}`);
    expect(read.body).toMatchObject({ kind: 'google', hasClientSecret: true, issuer: 'https://accounts.google.com' });
    expect(JSON.stringify(read.body)).not.toContain(UPSTREAM_CLIENT.client_secret);
    const stored = (await idp.storage.connections.findById(connections.google))! as OidcConnection;
    expect(stored.sealedClientSecret).toMatch(/^v1\./);
    expect(JSON.stringify(stored)).not.toContain(UPSTREAM_CLIENT.client_secret);
    const bad = await call('POST', '/tenants/acme/connections', {
      kind: 'entra',
      name: 'x',
      clientId: 'c',
      clientSecret: 's',
      scopes: ['email'],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.problems.map((p: { field: string }) => p.field).sort()).toEqual(['allowedEntraTenants', 'scopes']);
    const insecure = await call('POST', '/tenants/acme/connections', {
      kind: 'oidc',
      name: 'x',
      clientId: 'c',
      clientSecret: 's',
      issuer: 'http://idp.example.com',
    });
    expect(insecure.body.problems[0].field).toBe('issuer');
  });
});
