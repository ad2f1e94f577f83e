import { SignedXml } from 'xml-crypto';
import { startIdp, type TestIdp } from '../support/server.js';
import { startSamlIdp, type SamlIdp } from '../support/saml-idp.js';
import { samlSignIn, samlTestbed, tokensFrom } from '../support/saml-sign-in.js';

/** The AuthnRequest by HTTP-POST: signed in the XML itself, sent by a form page that keeps our strict CSP. */
describe('SAML AuthnRequest by the HTTP-POST binding', () => {
  let samlIdp: SamlIdp;
  let idp: TestIdp;
  let bed: Awaited<ReturnType<typeof samlTestbed>>;

  beforeAll(async () => {
    samlIdp = await startSamlIdp();
    idp = await startIdp();
    bed = await samlTestbed(idp);
  });
  afterAll(async () => {
    await idp?.stop();
    await samlIdp?.close();
  });

  async function connect(body: Record<string, unknown>) {
    return bed.call('POST', '/tenants/globex/connections', {
      kind: 'saml',
      name: 'Globex SSO',
      firstSignIn: 'create',
      emailVerified: true,
      ...body,
    });
  }

  test('an IdP that takes only HTTP-POST: our page posts a signed AuthnRequest, without inline script, and the sign-in completes', async () => {
    samlIdp.setMetadata({ ssoBinding: 'post' });
    const created = await connect({ metadataXml: samlIdp.metadataXml() });
    expect(created.status).toBe(201);
    expect(created.body.idp).toMatchObject({ ssoBinding: 'post', ssoUrl: samlIdp.ssoUrl });
    try {
      samlIdp.signInAs({ nameId: 'p-post', email: 'post@globex.example', name: 'Post' });
      const flow = await samlSignIn(idp, samlIdp, bed.config);
      const page = flow.handOver;
      expect(page.response.status).toBe(200);
      expect(page.html).toContain(`<form method="post" action="${samlIdp.ssoUrl}" data-auto-submit>`);
      expect(page.html).toContain('<script src="/assets/auto-submit.js" defer></script>');
      expect(page.html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
      expect(page.html).not.toMatch(/\son[a-z]+=/i);
      const csp = page.response.headers.get('content-security-policy')!;
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain(`form-action 'self' ${new URL(samlIdp.ssoUrl).origin}`);

      const request = samlIdp.lastAuthnRequest()!;
      expect(request.binding).toBe('post');
      expect(request.xml).toContain(`Destination="${samlIdp.ssoUrl}"`);
      const signature = new SignedXml({ publicCert: created.body.sp.certificate });
      signature.loadSignature(/<(?:ds:)?Signature[\s\S]*<\/(?:ds:)?Signature>/.exec(request.xml)![0]);
      expect(signature.checkSignature(request.xml)).toBe(true);
      expect(signature.signatureAlgorithm).toBe('http://www.w3.org/2001/04/xmldsig-more#rsa-sha256');

      const tokens = await tokensFrom(bed.config, flow);
      expect(tokens.claims()).toMatchObject({ tenant: 'globex', email: 'post@globex.example' });
    } finally {
      await bed.call('DELETE', `/tenants/globex/connections/${created.body.id}`);
    }
  });

  test('the auto-submit script is served from our origin as JavaScript', async () => {
    const script = await fetch(`${idp.url}/assets/auto-submit.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toContain('javascript');
    expect(await script.text()).toContain("document.querySelector('form[data-auto-submit]')");
  });

  test('the binding: HTTP-Redirect when offered, HTTP-POST when asked for; asking for one the IdP does not offer is refused', async () => {
    samlIdp.setMetadata({ ssoBinding: 'both' });
    const byDefault = await connect({ metadataXml: samlIdp.metadataXml(), enabled: false });
    expect(byDefault.body.idp.ssoBinding).toBe('redirect');
    const asked = await connect({ metadataXml: samlIdp.metadataXml(), ssoBinding: 'post', enabled: false });
    expect(asked.body.idp.ssoBinding).toBe('post');
    samlIdp.setMetadata({ ssoBinding: 'redirect' });
    const before = (await bed.call('GET', '/tenants/globex/connections')).body.items.length;
    const refused = await connect({ metadataXml: samlIdp.metadataXml(), ssoBinding: 'post' });
    expect(refused.status).toBe(400);
    expect(refused.body.problems[0]).toMatchObject({ field: 'metadataXml', message: expect.stringContaining('HTTP-POST') });
    expect((await bed.call('GET', '/tenants/globex/connections')).body.items.length).toBe(before);
    for (const c of [byDefault, asked]) await bed.call('DELETE', `/tenants/globex/connections/${c.body.id}`);
  });

  test('by hand the binding is a setting (PATCH too); for a metadata URL it follows the metadata', async () => {
    const byHand = await connect({
      entityId: samlIdp.entityId,
      ssoUrl: samlIdp.ssoUrl,
      certificates: [samlIdp.certificate],
      ssoBinding: 'post',
      enabled: false,
    });
    expect(byHand.body.idp.ssoBinding).toBe('post');
    const patched = await bed.call('PATCH', `/tenants/globex/connections/${byHand.body.id}`, { ssoBinding: 'redirect' });
    expect(patched.body.idp).toMatchObject({ ssoBinding: 'redirect', ssoUrl: samlIdp.ssoUrl });

    const fromUrl = await connect({ metadataUrl: samlIdp.metadataUrl, enabled: false });
    const refused = await bed.call('PATCH', `/tenants/globex/connections/${fromUrl.body.id}`, { ssoBinding: 'post' });
    expect(refused.status).toBe(400);
    expect(refused.body.problems[0]).toMatchObject({ field: 'ssoBinding' });
    for (const c of [byHand, fromUrl]) await bed.call('DELETE', `/tenants/globex/connections/${c.body.id}`);
  });
});
