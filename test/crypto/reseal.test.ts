import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { runIdp } from '../support/cli.js';
import { loadSettings } from '../../src/config/settings.js';
import { createLogger } from '../../src/log/logger.js';
import { openStorage } from '../../src/storage/open.js';
import { createServices } from '../../src/services.js';
import { totpCode } from '../../src/mfa/totp.js';
import { generateSpKey } from '../../src/federation/connectors/saml/sp-key.js';

const key = (id: string) => `${id}:${randomBytes(32).toString('base64')}`;

describe('rotating the key for data at rest', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'idp-reseal-'));
  const k1 = key('k1');
  const k2 = key('k2');
  const env = (keys: string) => ({
    DATA_DIR: path.join(root, 'data'),
    KEYS_DIR: path.join(root, 'keys'),
    BCRYPT_COST: '4',
    LOG_LEVEL: 'silent',
    ENCRYPTION_KEYS: keys,
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  async function withServices<T>(keys: string, use: (services: ReturnType<typeof createServices>) => Promise<T>): Promise<T> {
    const settings = loadSettings(env(keys));
    const storage = await openStorage(settings);
    try {
      return await use(createServices(storage, settings, createLogger('silent')));
    } finally {
      await storage.close();
    }
  }

  test('`idp encryption reseal` moves every secret to the newest key, after which the old key can go', async () => {
    const { accountId, secret, hmac } = await withServices(k1, async (services) => {
      const tenant = await services.tenants.create({ slug: 'acme', name: 'Acme' });
      const account = await services.accounts.create(tenant.id, { email: 'ann@acme.example', password: 'a fine passphrase' });
      const enrolment = await services.mfa.beginEnrolment(account, 'Acme');
      const key = enrolment.groupedKey.replace(/\s/g, '');
      const confirmed = await services.mfa.confirmEnrolment(account.id, enrolment.sealedSecret, totpCode(key, Date.now()));
      expect(confirmed.ok).toBe(true);
      await services.connections.create(tenant.id, {
        kind: 'oidc',
        name: 'SSO',
        issuer: 'https://sso.example.com',
        clientId: 'c',
        clientSecret: 'upstream-secret',
      });
      const idpKey = await generateSpKey('some-idp');
      await services.connections.create(tenant.id, {
        kind: 'saml',
        name: 'SAML',
        entityId: 'https://idp.example.com',
        ssoUrl: 'https://idp.example.com/sso',
        certificates: [idpKey.certificate],
      });
      await services.accounts.update(tenant.id, account.id, { personalNumber: '811218-9876' });
      await services.apis.create({ identifier: 'https://api.example.com', scopes: ['a'] });
      const hmac = await services.clients.create({
        name: 'HMAC',
        service: true,
        tokenEndpointAuthMethod: 'client_secret_jwt',
        apis: [{ api: 'https://api.example.com', scopes: ['a'] }],
      });
      return { accountId: account.id, secret: key, hmac: { id: hmac.client.id, secret: hmac.secret! } };
    });

    const { code, stdout: out } = await runIdp(['encryption', 'reseal', '--json'], env(`${k2},${k1}`));
    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual({ totpSecrets: 1, connectionSecrets: 2, personalNumbers: 1, personalNumberKey: 1, clientSecrets: 1 });

    await withServices(k2, async (services) => {
      const account = (await services.accounts.findById(accountId))!;
      expect(account.totp!.sealedSecret).toMatch(/^v1\.k2\./);
      const client = await services.clients.get(hmac.id);
      expect(client.sealedSecret).toMatch(/^v1\.k2\./);
      expect(services.clients.openSecret(client)).toBe(hmac.secret);
      const check = await services.mfa.verify(account, totpCode(secret, Date.now() + 30_000));
      expect(check.ok).toBe(true);
      const connections = await services.connections.list(account.tenantId);
      const oidcConnection = connections.find((c) => c.kind === 'oidc')!;
      expect(services.connections.clientSecretOf(oidcConnection)).toBe('upstream-secret');
      // A SAML connection's two keys, signing and encryption, both moved.
      const saml = connections.find((c) => c.kind === 'saml')!;
      if (saml.kind !== 'saml') throw new Error('no SAML connection');
      expect(saml.sp.sealedPrivateKey).toMatch(/^v1\.k2\./);
      expect(saml.sp.encryption!.sealedPrivateKey).toMatch(/^v1\.k2\./);
      expect(services.connections.secretOf(saml)).toContain('BEGIN PRIVATE KEY');
      expect(services.connections.encryptionKeyOf(saml)).toContain('BEGIN PRIVATE KEY');
      // The personnummer opens (masked) and is still found by its hash, whose key was resealed too.
      expect(account.personalNumber!.sealed).toMatch(/^v1\.k2\./);
      expect(services.accounts.toPublic(account).personalNumber).toBe('19811218-****');
      expect((await services.accounts.findByPersonalNumber(account.tenantId, '198112189876'))!.id).toBe(accountId);
    });
  });
});
