import { createVerify } from 'node:crypto';
import * as oidc from 'openid-client';
import { startIdp, type TestIdp } from '../support/server.js';
import { startSamlIdp, type SamlIdp } from '../support/saml-idp.js';
import { WebClient } from '../support/web-client.js';
import { APP, LOGGED_OUT, samlSignIn, samlTestbed, tokensFrom } from '../support/saml-sign-in.js';

/** The signature of an HTTP-Redirect binding message, over the query exactly as it was sent. */
function redirectSignatureValid(rawQuery: string, certificate: string): boolean {
  const parts = new Map(rawQuery.split('&').map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)] as [string, string]));
  const kind = parts.has('SAMLRequest') ? 'SAMLRequest' : 'SAMLResponse';
  const signed = [kind, 'RelayState', 'SigAlg']
    .filter((k) => parts.has(k))
    .map((k) => `${k}=${parts.get(k)!}`)
    .join('&');
  expect(decodeURIComponent(parts.get('SigAlg')!)).toBe('http://www.w3.org/2001/04/xmldsig-more#rsa-sha256');
  return createVerify('sha256')
    .update(signed)
    .verify(certificate, decodeURIComponent(parts.get('Signature')!), 'base64');
}

/** SAML single logout: sign-out here reaches the IdP, and the IdP's sign-out ends the session here; both strictly checked. */
describe('SAML single logout', () => {
  let samlIdp: SamlIdp;
  let idp: TestIdp;
  let bed: Awaited<ReturnType<typeof samlTestbed>>;
  let connection: { id: string; sp: { sloUrl: string; certificate: string; metadataUrl: string } };

  beforeAll(async () => {
    samlIdp = await startSamlIdp();
    samlIdp.setMetadata({ slo: true });
    idp = await startIdp();
    bed = await samlTestbed(idp);
    const created = await bed.call('POST', '/tenants/globex/connections', {
      kind: 'saml',
      name: 'Globex SSO',
      metadataXml: samlIdp.metadataXml(),
      firstSignIn: 'create',
      emailVerified: true,
    });
    expect(created.status).toBe(201);
    connection = created.body;
  });
  afterAll(async () => {
    await idp?.stop();
    await samlIdp?.close();
  });

  const lastLogoutEvent = async () => (await idp.services.audit.list({ action: 'logout.upstream', limit: 1 }))[0];

  async function signedIn(nameId: string) {
    samlIdp.signInAs({ nameId, email: `${nameId}@globex.example`, name: nameId });
    const flow = await samlSignIn(idp, samlIdp, bed.config);
    const tokens = await tokensFrom(bed.config, flow);
    const sessionIndex = /SessionIndex="([^"]+)"/.exec(Buffer.from(flow.post.SAMLResponse, 'base64').toString())![1]!;
    return { browser: flow.browser, accountId: tokens.claims()!.sub, sessionIndex };
  }

  /** Whether the browser still has a session here: a new authorization request comes straight back with a code. */
  async function stillSignedIn(browser: WebClient): Promise<boolean> {
    const url = oidc.buildAuthorizationUrl(bed.config, {
      redirect_uri: APP,
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
    });
    const result = await browser.follow(url.toString(), {}, (u) => u.startsWith(APP));
    return result.url.startsWith(`${APP}?code=`);
  }

  /** RP-initiated logout in this browser, "yes, sign me out", following wherever it leads until back at the app. */
  async function signOut(browser: WebClient) {
    const page = await browser.follow(
      `${idp.url}/session/end?client_id=${bed.clientId}&post_logout_redirect_uri=${encodeURIComponent(LOGGED_OUT)}&state=s1`,
    );
    const action = /id="op.logoutForm" method="post" action="([^"]+)"/.exec(page.html)![1]!;
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(page.html)![1]!;
    return browser.follow(new URL(action, idp.url).toString(), { form: { xsrf, logout: 'yes' } }, (u) => u.startsWith(LOGGED_OUT));
  }

  test('our SP metadata publishes the SLO endpoint (HTTP-Redirect)', async () => {
    expect(connection.sp.sloUrl).toBe(`${idp.url}/federation/saml/${connection.id}/slo`);
    const xml = await (await fetch(connection.sp.metadataUrl)).text();
    expect(xml).toContain(
      `<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${connection.sp.sloUrl}"/>`,
    );
  });

  test('signing out here sends a signed LogoutRequest (NameID, SessionIndex); the IdP answer brings the browser back to the app', async () => {
    const { browser, accountId, sessionIndex } = await signedIn('p-slo');
    expect(await stillSignedIn(browser)).toBe(true);
    const done = await signOut(browser);
    expect(done.url).toBe(`${LOGGED_OUT}?state=s1`);
    const request = samlIdp.lastLogoutRequest()!;
    expect(request).toMatchObject({ nameId: 'p-slo', sessionIndex });
    expect(request.xml).toContain(
      `<saml:Issuer xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">${connection.sp.metadataUrl}</saml:Issuer>`,
    );
    expect(redirectSignatureValid(request.rawQuery, connection.sp.certificate)).toBe(true);
    expect(await lastLogoutEvent()).toMatchObject({
      outcome: 'success',
      target: { type: 'account', id: accountId },
      details: { connectionId: connection.id, direction: 'sp_initiated' },
    });
    expect(await stillSignedIn(browser)).toBe(false);

    // The same LogoutResponse again: its request was answered already.
    const replayed = await browser.request(samlIdp.lastLogoutResponseUrl()!);
    expect(replayed.status).toBe(400);
    expect(await replayed.text()).toContain('The sign-out message from your organisation could not be accepted.');
    expect(await lastLogoutEvent()).toMatchObject({ outcome: 'failure', reason: 'logout_response_replayed' });
  });

  test('"Sign out" in My profile reaches the IdP too, and ends on our signed-out page', async () => {
    samlIdp.signInAs({ nameId: 'p-profile', email: 'p-profile@globex.example', name: 'Profile' });
    const browser = new WebClient();
    const login = await browser.follow(`${idp.url}/account`);
    const csrf = /name="csrf" value="([^"]+)"/.exec(login.html)![1]!;
    const action = /action="([^"]*\/email)"/.exec(login.html)![1]!;
    await browser.follow(new URL(action, idp.url).toString(), { form: { csrf, email: 'p-profile@globex.example' } });
    const post = samlIdp.lastPost()!;
    const profile = await browser.follow(post.action, { form: { SAMLResponse: post.SAMLResponse } });
    expect(profile.html).toContain('<h1>My profile</h1>');
    const profileCsrf = /name="csrf" value="([^"]+)"/.exec(profile.html)![1]!;
    const confirm = await browser.follow(`${idp.url}/account/sign-out`, { form: { csrf: profileCsrf } });
    const confirmAction = /id="op.logoutForm" method="post" action="([^"]+)"/.exec(confirm.html)![1]!;
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(confirm.html)![1]!;
    const done = await browser.follow(new URL(confirmAction, idp.url).toString(), { form: { xsrf, logout: 'yes' } });
    expect(done.html).toContain('You are signed out.');
    expect(samlIdp.lastLogoutRequest()).toMatchObject({ nameId: 'p-profile' });
    expect(await lastLogoutEvent()).toMatchObject({ outcome: 'success', details: { direction: 'sp_initiated' } });
    expect((await browser.follow(`${idp.url}/account`)).html).not.toContain('<h1>My profile</h1>');
  });

  test('an IdP that answers with a failure status: signed out here all the same, and the failure is audited', async () => {
    const { browser } = await signedIn('p-fail');
    samlIdp.nextLogoutStatus('urn:oasis:names:tc:SAML:2.0:status:Responder');
    const done = await signOut(browser);
    expect(done.url).toBe(`${LOGGED_OUT}?state=s1`);
    expect(await lastLogoutEvent()).toMatchObject({ outcome: 'failure', reason: 'upstream_logout_failed' });
    expect(await stillSignedIn(browser)).toBe(false);
  });

  test('a LogoutResponse to no request of ours, or not signed by the IdP, is refused', async () => {
    const forged = (xmlId: string) =>
      `${connection.sp.sloUrl}?SAMLResponse=${encodeURIComponent(Buffer.from(xmlId).toString('base64'))}&SigAlg=x&Signature=AAAA`;
    const browser = new WebClient();
    expect((await browser.request(forged('<x/>'))).status).toBe(400);
    expect(await lastLogoutEvent()).toMatchObject({ outcome: 'failure', reason: 'unsupported_signature_algorithm' });
    const unsigned = await browser.request(`${connection.sp.sloUrl}?SAMLResponse=AAAA`);
    expect(unsigned.status).toBe(400);
    expect(await lastLogoutEvent()).toMatchObject({ outcome: 'failure', reason: 'unsigned_logout_message' });
  });

  test('the IdP signs the person out: every session here of that account ends, and our signed LogoutResponse answers', async () => {
    const { browser, accountId, sessionIndex } = await signedIn('p-idp');
    const other = await signedIn('p-other');
    const url = samlIdp.logoutRequestUrl(connection.sp.sloUrl, 'p-idp', { sessionIndex, id: '_idp-logout-1' });
    const answered = await new WebClient().follow(url);
    expect(answered.html).toBe('signed out at the IdP');
    const response = samlIdp.lastLogoutResponse()!;
    expect(response.xml).toContain('InResponseTo="_idp-logout-1"');
    expect(response.xml).toContain('urn:oasis:names:tc:SAML:2.0:status:Success');
    expect(decodeURIComponent(/RelayState=([^&]+)/.exec(response.rawQuery)![1]!)).toBe('idp-relay');
    expect(redirectSignatureValid(response.rawQuery, connection.sp.certificate)).toBe(true);
    expect(await lastLogoutEvent()).toMatchObject({
      outcome: 'success',
      target: { type: 'account', id: accountId },
      details: { direction: 'idp_initiated' },
    });
    expect(await stillSignedIn(browser)).toBe(false);
    expect(await stillSignedIn(other.browser)).toBe(true);

    // The same LogoutRequest again is refused.
    const again = await new WebClient().request(url);
    expect(again.status).toBe(400);
    expect(await lastLogoutEvent()).toMatchObject({ outcome: 'failure', reason: 'logout_request_replayed' });
  });

  test.each([
    ['unsigned', { key: 'none' as const }, 'unsigned_logout_message'],
    ['signed with another key', { key: 'rogue' as const }, 'bad_signature'],
    ['from another issuer', { issuer: 'https://other-idp.example/' }, 'wrong_issuer'],
    ['for another SP', { destination: 'https://other-sp.example/slo' }, 'wrong_destination'],
  ])('an IdP-initiated LogoutRequest %s is refused and ends no session', async (_name, options, reason) => {
    const { browser, sessionIndex } = await signedIn('p-keep');
    const refused = await new WebClient().request(samlIdp.logoutRequestUrl(connection.sp.sloUrl, 'p-keep', { sessionIndex, ...options }));
    expect(refused.status).toBe(400);
    expect(await lastLogoutEvent()).toMatchObject({ outcome: 'failure', reason, details: { connectionId: connection.id } });
    expect(await stillSignedIn(browser)).toBe(true);
  });

  test('a connection an administrator turned off ends no session by its LogoutRequest, however well signed', async () => {
    const { browser, sessionIndex } = await signedIn('p-off');
    expect((await bed.call('PATCH', `/tenants/globex/connections/${connection.id}`, { enabled: false })).status).toBe(200);
    try {
      const url = samlIdp.logoutRequestUrl(connection.sp.sloUrl, 'p-off', { sessionIndex, id: '_idp-logout-off' });
      expect((await new WebClient().request(url)).status).toBe(400);
      expect(await lastLogoutEvent()).toMatchObject({ outcome: 'failure', reason: 'connection_not_available' });
    } finally {
      expect((await bed.call('PATCH', `/tenants/globex/connections/${connection.id}`, { enabled: true })).status).toBe(200);
    }
    expect(await stillSignedIn(browser)).toBe(true);
  });

  test('an oversized message at the SLO endpoint is refused before it is inflated or parsed', async () => {
    const refused = await new WebClient().request(`${connection.sp.sloUrl}?SAMLRequest=${'A'.repeat(10 * 1024)}`);
    expect(refused.status).toBe(413);
    expect(await lastLogoutEvent()).toMatchObject({ outcome: 'failure', reason: 'saml_message_too_large' });
    // Small when deflated, a megabyte inflated: inflating stops at the limit.
    const bomb = samlIdp.logoutRequestUrl(connection.sp.sloUrl, 'p-any', { padding: 1024 * 1024 });
    expect(bomb.length).toBeLessThan(8 * 1024);
    expect((await new WebClient().request(bomb)).status).toBe(400);
    expect(await lastLogoutEvent()).toMatchObject({ outcome: 'failure', reason: 'malformed_logout_message' });
  });
});
