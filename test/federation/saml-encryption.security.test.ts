import { startIdp, type TestIdp } from '../support/server.js';
import { startSamlIdp, type SamlIdp } from '../support/saml-idp.js';
import { generateSpKey } from '../../src/federation/connectors/saml/sp-key.js';
import type { SamlConnection } from '../../src/federation/types.js';
import { samlSignIn, samlTestbed, tokensFrom } from '../support/saml-sign-in.js';

/** Assertions encrypted to our per-connection SP key are opened and then held to every rule of a plain one. */
describe('SAML encrypted assertions', () => {
  let samlIdp: SamlIdp;
  let idp: TestIdp;
  let bed: Awaited<ReturnType<typeof samlTestbed>>;
  let connectionId: string;
  let encryptionCertificate: string;

  beforeAll(async () => {
    samlIdp = await startSamlIdp();
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
    connectionId = created.body.id;
    encryptionCertificate = created.body.sp.encryptionCertificate;
  });
  afterAll(async () => {
    await idp?.stop();
    await samlIdp?.close();
  });

  const lastFederatedEvent = async () => (await idp.services.audit.list({ action: 'login.federated', limit: 1 }))[0];
  const globexAccount = async (email: string) => idp.storage.accounts.findByEmail((await idp.services.tenants.get('globex')).id, email);

  test('each connection has its own encryption key: sealed at rest, never in the API, published as use="encryption"', async () => {
    expect(encryptionCertificate).toMatch(/^-----BEGIN CERTIFICATE-----/);
    const read = await bed.call('GET', `/tenants/globex/connections/${connectionId}`);
    expect(read.body.sp.certificate).not.toBe(encryptionCertificate);
    expect(read.body.requireEncryptedAssertions).toBe(false);
    expect(JSON.stringify(read.body)).not.toContain('PRIVATE KEY');
    const stored = (await idp.storage.connections.findById(connectionId)) as SamlConnection;
    expect(stored.sp.encryption!.sealedPrivateKey).toMatch(/^v1\./);
    expect(stored.sp.encryption!.sealedPrivateKey).not.toContain('PRIVATE KEY');
    const xml = await (await fetch(read.body.sp.metadataUrl)).text();
    const b64 = encryptionCertificate.replace(/-----[^-]+-----|\s/g, '');
    expect(xml).toMatch(
      new RegExp(`<md:KeyDescriptor use="encryption"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${b64.replace(/[+/]/g, '\\$&')}`),
    );
    expect(xml).toContain('<md:KeyDescriptor use="signing">');
  });

  test('an assertion encrypted to our key signs in; the encrypted response carries no readable assertion', async () => {
    samlIdp.signInAs({ nameId: 'p-enc', email: 'enc@globex.example', name: 'Enc' });
    const flow = await samlSignIn(idp, samlIdp, bed.config, { encryptTo: encryptionCertificate });
    const posted = Buffer.from(flow.post.SAMLResponse, 'base64').toString();
    expect(posted).toContain('EncryptedAssertion');
    expect(posted).not.toContain('enc@globex.example');
    const tokens = await tokensFrom(bed.config, flow);
    expect(tokens.claims()).toMatchObject({ tenant: 'globex', email: 'enc@globex.example' });
  });

  test('the rules hold inside the encryption: a wrong audience, an expired or an unsigned encrypted assertion is refused', async () => {
    for (const [change, reason] of [
      [{ audience: 'https://someone-else.example/sp' }, 'wrong_audience'],
      [{ validFrom: Date.now() - 7200_000, validUntil: Date.now() - 3600_000 }, 'assertion_expired'],
      [{ unsigned: true }, 'unsigned_response'],
      [{ foreignKey: true }, 'bad_signature'],
    ] as const) {
      samlIdp.signInAs({ nameId: 'p-eve', email: 'eve@globex.example', name: 'Eve' });
      const flow = await samlSignIn(idp, samlIdp, bed.config, { ...change, encryptTo: encryptionCertificate });
      expect(flow.result.response.status).toBe(403);
      expect(await lastFederatedEvent()).toMatchObject({ outcome: 'failure', reason });
    }
    expect(await globexAccount('eve@globex.example')).toBeNull();
  });

  test('an assertion encrypted to another key is refused (it cannot be opened), and nobody signs in', async () => {
    const other = await generateSpKey('someone-else');
    samlIdp.signInAs({ nameId: 'p-mal', email: 'mal@globex.example', name: 'Mal' });
    const flow = await samlSignIn(idp, samlIdp, bed.config, { encryptTo: other.certificate });
    expect(flow.result.response.status).toBe(403);
    expect(flow.result.html).toContain('The sign-in through your organisation could not be accepted.');
    expect(await lastFederatedEvent()).toMatchObject({
      outcome: 'failure',
      reason: 'assertion_decryption_failed',
      details: { connectionId },
    });
    expect(await globexAccount('mal@globex.example')).toBeNull();
  });

  test('RSA v1.5 key transport (padding-oracle prone) is refused even to our own key', async () => {
    samlIdp.signInAs({ nameId: 'p-v15', email: 'v15@globex.example', name: 'V15' });
    const flow = await samlSignIn(idp, samlIdp, bed.config, { encryptTo: encryptionCertificate, weakKeyTransport: true });
    expect(Buffer.from(flow.post.SAMLResponse, 'base64').toString()).toContain('xmlenc#rsa-1_5');
    expect(flow.result.response.status).toBe(403);
    expect(await lastFederatedEvent()).toMatchObject({ outcome: 'failure', reason: 'assertion_decryption_failed' });
    expect(await globexAccount('v15@globex.example')).toBeNull();
  });

  test('by default plain assertions are still accepted; once encryption is required they are refused, encrypted ones not', async () => {
    samlIdp.signInAs({ nameId: 'p-enc', email: 'enc@globex.example', name: 'Enc' });
    await tokensFrom(bed.config, await samlSignIn(idp, samlIdp, bed.config));
    const required = await bed.call('PATCH', `/tenants/globex/connections/${connectionId}`, { requireEncryptedAssertions: true });
    expect(required.body.requireEncryptedAssertions).toBe(true);
    try {
      const plain = await samlSignIn(idp, samlIdp, bed.config);
      expect(plain.result.response.status).toBe(403);
      expect(await lastFederatedEvent()).toMatchObject({ outcome: 'failure', reason: 'unencrypted_assertion' });
      await tokensFrom(bed.config, await samlSignIn(idp, samlIdp, bed.config, { encryptTo: encryptionCertificate }));
    } finally {
      await bed.call('PATCH', `/tenants/globex/connections/${connectionId}`, { requireEncryptedAssertions: false });
    }
  });

  test('a connection without an encryption key (made before there were) refuses encrypted assertions and cannot require them', async () => {
    const stored = (await idp.storage.connections.findById(connectionId)) as SamlConnection;
    await idp.storage.connections.replace({ ...stored, sp: { ...stored.sp, encryption: undefined } });
    try {
      const refused = await bed.call('PATCH', `/tenants/globex/connections/${connectionId}`, { requireEncryptedAssertions: true });
      expect(refused.status).toBe(400);
      expect(refused.body.problems[0]).toMatchObject({ field: 'requireEncryptedAssertions' });
      const read = await bed.call('GET', `/tenants/globex/connections/${connectionId}`);
      expect(read.body.sp.encryptionCertificate).toBeNull();
      expect(await (await fetch(read.body.sp.metadataUrl)).text()).not.toContain('use="encryption"');
      samlIdp.signInAs({ nameId: 'p-enc', email: 'enc@globex.example', name: 'Enc' });
      const flow = await samlSignIn(idp, samlIdp, bed.config, { encryptTo: encryptionCertificate });
      expect(flow.result.response.status).toBe(403);
      expect(await lastFederatedEvent()).toMatchObject({ outcome: 'failure', reason: 'encrypted_assertion_unexpected' });
    } finally {
      await idp.storage.connections.replace(stored);
    }
  });
});
