import * as oidc from 'openid-client';
import { startIdp, type TestIdp } from '../support/server.js';
import { startSamlIdp, type SamlIdp, type SamlResponseChange } from '../support/saml-idp.js';
import { WebClient } from '../support/web-client.js';
import { APP, samlSignIn, tokensFrom as tokensFromFlow } from '../support/saml-sign-in.js';
import { PASSWORD } from '../support/fixtures.js';
import { adminToken, api } from '../support/admin-client.js';
import type { SamlConnection } from '../../src/federation/types.js';
import { refreshDueSamlMetadata } from '../../src/federation/saml-metadata-refresh.js';

describe('federated sign-in through a SAML 2.0 identity provider', () => {
  let samlIdp: SamlIdp;
  let idp: TestIdp;
  let call: ReturnType<typeof api>;
  let config: oidc.Configuration;
  let connectionId: string;

  beforeAll(async () => {
    samlIdp = await startSamlIdp();
    idp = await startIdp();
    call = api(idp.url, (await adminToken(idp)).token);
    await call('POST', '/tenants', { slug: 'globex', name: 'Globex', domains: ['globex.example'] });
    const created = await call('POST', '/tenants/globex/connections', {
      kind: 'saml',
      name: 'Globex SSO',
      metadataXml: samlIdp.metadataXml(),
      firstSignIn: 'create',
      emailVerified: true,
    });
    expect(created.status).toBe(201);
    connectionId = created.body.id;
    const client = await call('POST', '/clients', { name: 'Portal', redirectUris: [APP], firstParty: true });
    config = await oidc.discovery(new URL(idp.url), client.body.client.id, client.body.secret, undefined, {
      execute: [oidc.allowInsecureRequests],
    });
  });
  afterAll(async () => {
    await idp?.stop();
    await samlIdp?.close();
  });

  const toApp = (url: string) => url.startsWith(APP);
  const lastFederatedEvent = async () => (await idp.services.audit.list({ action: 'login.federated', limit: 1 }))[0];

  /** The app sends the browser to sign in at Globex; the IdP answers with a form the browser posts to our ACS. */
  async function signIn(change: SamlResponseChange = {}) {
    const flow = await samlSignIn(idp, samlIdp, config, change);
    expect(flow.atIdp.html).toContain('name="SAMLResponse"');
    return flow;
  }

  const tokensFrom = (flow: Awaited<ReturnType<typeof signIn>>) => tokensFromFlow(config, flow);

  test('the connection shows our SP side; its metadata is served at a stable public URL; the SP key is sealed', async () => {
    const read = await call('GET', `/tenants/globex/connections/${connectionId}`);
    expect(read.body).toMatchObject({
      kind: 'saml',
      idp: { entityId: samlIdp.entityId, ssoUrl: samlIdp.ssoUrl },
      sp: { entityId: `${idp.url}/federation/saml/${connectionId}/metadata`, acsUrl: `${idp.url}/federation/saml/${connectionId}/acs` },
    });
    expect(JSON.stringify(read.body)).not.toContain('PRIVATE KEY');
    const stored = (await idp.storage.connections.findById(connectionId)) as SamlConnection;
    expect(stored.sp.sealedPrivateKey).toMatch(/^v1\./);
    const metadata = await fetch(read.body.sp.metadataUrl);
    expect(metadata.headers.get('content-type')).toContain('application/samlmetadata+xml');
    const xml = await metadata.text();
    expect(xml).toContain(`entityID="${read.body.sp.entityId}"`);
    expect(xml).toContain(`Location="${read.body.sp.acsUrl}"`);
  });

  test('valid sign-in: the account is created just in time, then the same one is linked; the e-mail link rule for an existing account', async () => {
    samlIdp.signInAs({ nameId: 'p-ada', email: 'ada@globex.example', name: 'Ada' });
    const first = await tokensFrom(await signIn());
    expect(first.claims()).toMatchObject({ tenant: 'globex', amr: ['fed'] });
    const account = (await idp.services.accounts.findById(first.claims()!.sub))!;
    expect(account).toMatchObject({ email: 'ada@globex.example', identities: [{ connectionId, subject: 'p-ada' }] });
    const second = await tokensFrom(await signIn());
    expect(second.claims()!.sub).toBe(account.id);

    const globex = await idp.services.tenants.get('globex');
    const bea = await idp.services.accounts.create(globex.id, { email: 'bea@globex.example', password: PASSWORD });
    await call('PATCH', `/tenants/globex/connections/${connectionId}`, { firstSignIn: 'link' });
    samlIdp.signInAs({ nameId: 'p-bea', email: 'bea@globex.example', name: 'Bea' });
    expect((await tokensFrom(await signIn())).claims()!.sub).toBe(bea.id);

    await call('PATCH', `/tenants/globex/connections/${connectionId}`, { firstSignIn: 'refuse' });
    samlIdp.signInAs({ nameId: 'p-cid', email: 'cid@globex.example', name: 'Cid' });
    const refused = await signIn();
    expect(refused.result.response.status).toBe(403);
    expect(await lastFederatedEvent()).toMatchObject({ outcome: 'failure', reason: 'identity_not_linked' });
    expect(await idp.storage.accounts.findByEmail(globex.id, 'cid@globex.example')).toBeNull();
    await call('PATCH', `/tenants/globex/connections/${connectionId}`, { firstSignIn: 'create' });
  });

  const hour = 3600_000;
  test.each<[string, SamlResponseChange, string]>([
    ['an unsigned response', { unsigned: true }, 'unsigned_response'],
    ['a response signed with another key', { foreignKey: true }, 'bad_signature'],
    ['a forged assertion beside the signed one (wrapping)', { wrap: 'sibling' }, 'signature_wrapping'],
    ['the signed assertion hidden inside a forged one (wrapping)', { wrap: 'nested' }, 'signature_wrapping'],
    ['an expired assertion', { validFrom: Date.now() - 2 * hour, validUntil: Date.now() - hour }, 'assertion_expired'],
    ['an assertion not yet valid', { validFrom: Date.now() + hour, validUntil: Date.now() + 2 * hour }, 'assertion_not_yet_valid'],
    ['a wrong audience', { audience: 'https://someone-else.example/sp' }, 'wrong_audience'],
    ['a wrong recipient', { recipient: 'https://someone-else.example/acs' }, 'wrong_recipient'],
    ['a SHA-1 signature', { sha1: true }, 'sha1_signature'],
    ['a transient NameID', { transient: true }, 'transient_name_id'],
  ])('%s is refused, signs nobody in and says nothing specific', async (_name, change, reason) => {
    samlIdp.signInAs({ nameId: 'p-eve', email: 'eve@globex.example', name: 'Eve' });
    const flow = await signIn(change);
    expect(flow.result.response.status).toBe(403);
    expect(flow.result.url.startsWith(APP)).toBe(false);
    expect(flow.result.html).toContain('The sign-in through your organisation could not be accepted.');
    expect(flow.result.html).not.toContain(reason);
    expect(await lastFederatedEvent()).toMatchObject({ outcome: 'failure', reason, details: { connectionId, kind: 'saml' } });
    expect(await idp.storage.accounts.findByEmail((await idp.services.tenants.get('globex')).id, 'eve@globex.example')).toBeNull();
  });

  test('a signed response (rather than assertion) is accepted too', async () => {
    samlIdp.signInAs({ nameId: 'p-ada', email: 'ada@globex.example', name: 'Ada' });
    await tokensFrom(await signIn({ signResponse: true }));
  });

  test('a replayed response is refused: its request id was spent, and so was its assertion id', async () => {
    samlIdp.signInAs({ nameId: 'p-ada', email: 'ada@globex.example', name: 'Ada' });
    const flow = await signIn();
    await tokensFrom(flow);
    const again = await flow.browser.follow(flow.post.action, { form: { SAMLResponse: flow.post.SAMLResponse } }, toApp);
    expect(again.response.status).toBe(400);
    expect(await lastFederatedEvent()).toMatchObject({ outcome: 'failure', reason: 'state_replayed' });
    // The assertion-id cache holds on its own: the id stays spent for the assertion's lifetime.
    const id = /ID="(_a[0-9a-f]+)"/.exec(Buffer.from(flow.post.SAMLResponse, 'base64').toString())![1]!;
    expect(await idp.storage.oidc.consume('SamlAssertionSeen', `${connectionId}:${id}`, Date.now())).toBe(false);
  });

  test('an unsolicited (IdP-initiated) response is refused', async () => {
    samlIdp.signInAs({ nameId: 'p-ada', email: 'ada@globex.example', name: 'Ada' });
    const flow = await signIn({ unsolicited: true });
    expect(flow.result.response.status).toBe(400);
    expect(await lastFederatedEvent()).toMatchObject({ outcome: 'failure', reason: 'unsolicited_response' });
  });

  test('an oversized SAMLResponse is refused before it is parsed', async () => {
    const browser = new WebClient();
    const response = await browser.request(`${idp.url}/federation/saml/${connectionId}/acs`, {
      form: { SAMLResponse: 'A'.repeat(300 * 1024) },
    });
    expect(response.status).toBe(413);
    expect(await lastFederatedEvent()).toMatchObject({ outcome: 'failure', reason: 'saml_response_too_large' });
  });

  test('metadata import: bad metadata is refused with a clear problem and nothing is created; settings by hand work', async () => {
    const before = (await call('GET', '/tenants/globex/connections')).body.items.length;
    const bad = await call('POST', '/tenants/globex/connections', {
      kind: 'saml',
      name: 'Broken',
      metadataXml: '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"/>',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.problems[0]).toMatchObject({ field: 'metadataXml' });
    const none = await call('POST', '/tenants/globex/connections', { kind: 'saml', name: 'Nothing' });
    expect(none.status).toBe(400);
    expect((await call('GET', '/tenants/globex/connections')).body.items.length).toBe(before);
    const byHand = await call('POST', '/tenants/globex/connections', {
      kind: 'saml',
      name: 'By hand',
      entityId: samlIdp.entityId,
      ssoUrl: samlIdp.ssoUrl,
      certificates: [samlIdp.certificate],
      enabled: false,
    });
    expect(byHand.status).toBe(201);
    expect(byHand.body.idp.certificates).toEqual([samlIdp.certificate]);
    await call('DELETE', `/tenants/globex/connections/${byHand.body.id}`);
  });

  test('metadata URL: imported at creation; a refresh that fails keeps the last good metadata, is audited and shown', async () => {
    const created = await call('POST', '/tenants/globex/connections', {
      kind: 'saml',
      name: 'From URL',
      metadataUrl: samlIdp.metadataUrl,
      enabled: false,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      idp: { entityId: samlIdp.entityId, certificates: [samlIdp.certificate] },
      metadata: { url: samlIdp.metadataUrl, lastError: null, lastRefreshedAt: expect.any(String) },
    });
    const later = new Date(Date.now() + 13 * 3600_000);
    samlIdp.breakMetadata(true);
    try {
      const counts = await refreshDueSamlMetadata({ ...idp.services, logger: idp.logger }, later);
      expect(counts).toEqual({ refreshed: 0, failed: 1 });
    } finally {
      samlIdp.breakMetadata(false);
    }
    const read = await call('GET', `/tenants/globex/connections/${created.body.id}`);
    expect(read.body.idp).toEqual(created.body.idp);
    expect(read.body.metadata).toMatchObject({
      lastRefreshedAt: created.body.metadata.lastRefreshedAt,
      lastError: expect.stringContaining('HTTP 500'),
    });
    const [event] = await idp.services.audit.list({ action: 'connection.metadata_refresh', limit: 1 });
    expect(event).toMatchObject({ outcome: 'failure', target: { id: created.body.id } });

    expect(await refreshDueSamlMetadata({ ...idp.services, logger: idp.logger }, later)).toEqual({ refreshed: 1, failed: 0 });
    expect((await call('GET', `/tenants/globex/connections/${created.body.id}`)).body.metadata.lastError).toBeNull();
    await call('DELETE', `/tenants/globex/connections/${created.body.id}`);
  });

  test('metadata whose validUntil has passed is refused on import, by document and by URL; nothing is created', async () => {
    const before = (await call('GET', '/tenants/globex/connections')).body.items.length;
    samlIdp.setMetadata({ validUntil: new Date(Date.now() - 60_000).toISOString() });
    try {
      for (const source of [{ metadataXml: samlIdp.metadataXml() }, { metadataUrl: samlIdp.metadataUrl }]) {
        const refused = await call('POST', '/tenants/globex/connections', { kind: 'saml', name: 'Expired', ...source });
        expect(refused.status).toBe(400);
        expect(refused.body.problems[0].message).toContain('the metadata expired');
      }
    } finally {
      samlIdp.setMetadata({});
    }
    expect((await call('GET', '/tenants/globex/connections')).body.items.length).toBe(before);
  });

  test('cacheDuration and validUntil bring the next refresh forward; a refresh before it is not due; expired metadata stops sign-in', async () => {
    const validUntil = new Date(Date.now() + 10 * hour).toISOString();
    samlIdp.setMetadata({ cacheDuration: 'PT1H', validUntil });
    let created;
    try {
      created = await call('POST', '/tenants/globex/connections', {
        kind: 'saml',
        name: 'Cached',
        metadataUrl: samlIdp.metadataUrl,
        enabled: false,
      });
      expect(created.status).toBe(201);
      const { metadata } = created.body;
      expect(metadata.validUntil).toBe(validUntil);
      const next = Date.parse(metadata.nextRefreshAt) - Date.parse(metadata.lastRefreshedAt);
      expect(next).toBe(hour);

      // Halfway to validUntil when that is sooner than cacheDuration.
      samlIdp.setMetadata({ cacheDuration: 'P1D', validUntil });
      const soon = await call('POST', '/tenants/globex/connections', {
        kind: 'saml',
        name: 'Soon',
        metadataUrl: samlIdp.metadataUrl,
        enabled: false,
      });
      const half = Date.parse(soon.body.metadata.nextRefreshAt) - Date.parse(soon.body.metadata.lastRefreshedAt);
      expect(half).toBeLessThanOrEqual(5 * hour);
      expect(half).toBeGreaterThan(4 * hour);
      await call('DELETE', `/tenants/globex/connections/${soon.body.id}`);

      const deps = { ...idp.services, logger: idp.logger };
      const lastRefreshedAt = Date.parse(metadata.lastRefreshedAt);
      expect(await refreshDueSamlMetadata(deps, new Date(lastRefreshedAt + hour / 2))).toEqual({ refreshed: 0, failed: 0 });
      expect(await refreshDueSamlMetadata(deps, new Date(lastRefreshedAt + hour + 1000))).toEqual({ refreshed: 1, failed: 0 });
      // (That read found cacheDuration P1D, so the next is due halfway to validUntil, in 5 hours.)
      // The IdP now serves metadata that has expired: a failed refresh, the last good metadata stays.
      samlIdp.setMetadata({ validUntil: new Date(Date.now() - 1000).toISOString() });
      expect(await refreshDueSamlMetadata(deps, new Date(lastRefreshedAt + 6 * hour))).toEqual({ refreshed: 0, failed: 1 });
      const kept = (await call('GET', `/tenants/globex/connections/${created.body.id}`)).body;
      expect(kept.metadata).toMatchObject({ validUntil, lastError: expect.stringContaining('the metadata expired') });
      expect(kept.idp).toEqual(created.body.idp);
    } finally {
      samlIdp.setMetadata({});
    }

    // Stored metadata past its validUntil (its refreshes failed): the sign-in does not start, and says why in the audit trail.
    const stored = (await idp.storage.connections.findById(connectionId)) as SamlConnection;
    await idp.storage.connections.replace({
      ...stored,
      metadata: { ...stored.metadata, validUntil: new Date(Date.now() - 1000).toISOString() },
    });
    try {
      const browser = new WebClient();
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: APP,
        scope: 'openid',
        code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
        code_challenge_method: 'S256',
      });
      const start = await browser.follow(url.toString());
      const csrf = /name="csrf" value="([^"]+)"/.exec(start.html)![1]!;
      const action = /action="([^"]*\/email)"/.exec(start.html)![1]!;
      const refused = await browser.follow(new URL(action, idp.url).toString(), { form: { csrf, email: 'someone@globex.example' } });
      expect(refused.response.status).toBe(502);
      expect(await lastFederatedEvent()).toMatchObject({ outcome: 'failure', reason: 'metadata_expired' });
    } finally {
      await idp.storage.connections.replace(stored);
    }
    await call('DELETE', `/tenants/globex/connections/${created!.body.id}`);
  });

  test('PATCH of a SAML connection: its own settings change, those of another kind are refused and change nothing', async () => {
    const before = (await call('GET', `/tenants/globex/connections/${connectionId}`)).body;
    const wrong = await call('PATCH', `/tenants/globex/connections/${connectionId}`, { clientSecret: 'x', name: 'Renamed' });
    expect(wrong.status).toBe(400);
    expect(wrong.body.problems).toEqual([expect.objectContaining({ field: 'clientSecret' })]);
    expect((await call('GET', `/tenants/globex/connections/${connectionId}`)).body).toEqual(before);
    const changed = await call('PATCH', `/tenants/globex/connections/${connectionId}`, { clockSkewSeconds: 30 });
    expect(changed.body).toMatchObject({ clockSkewSeconds: 30, sp: before.sp, idp: before.idp });
    await call('PATCH', `/tenants/globex/connections/${connectionId}`, { clockSkewSeconds: 60 });
  });
});
