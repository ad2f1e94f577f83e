import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { startIdp } from '../support/server.js';
import { totpCode } from '../../src/mfa/totp.js';

const key = (id: string) => `${id}:${randomBytes(32).toString('base64')}`;

describe('data-at-rest keys that cannot open what is stored', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'idp-keys-mismatch-'));
  const dirs = { dataDir: path.join(root, 'data'), keysDir: path.join(root, 'keys') };
  const k1 = key('k1');
  let accountId = '';
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  beforeAll(async () => {
    const idp = await startIdp({ ENCRYPTION_KEYS: k1 }, dirs);
    const tenant = await idp.services.tenants.create({ slug: 'acme', name: 'Acme' });
    const account = await idp.services.accounts.create(tenant.id, { email: 'ann@acme.example', password: 'a fine passphrase' });
    const enrolment = await idp.services.mfa.beginEnrolment(account, 'Acme');
    const confirmed = await idp.services.mfa.confirmEnrolment(
      account.id,
      enrolment.sealedSecret,
      totpCode(enrolment.groupedKey.replace(/\s/g, ''), Date.now()),
    );
    expect(confirmed.ok).toBe(true);
    accountId = account.id;
    await idp.stop({ keepFiles: true });
  });

  test('the service refuses to start with keys that cannot open the stored seeds, naming the key id', async () => {
    // The same id with other key material, as after a mistyped or regenerated secret.
    await expect(startIdp({ ENCRYPTION_KEYS: key('k1') }, dirs)).rejects.toThrow(
      /ENCRYPTION_KEYS cannot open stored secrets .*key id "k1"/,
    );
    // Without the key at all.
    await expect(startIdp({ ENCRYPTION_KEYS: key('k2') }, dirs)).rejects.toThrow(/key id "k1"/);
  });

  test('a new key in front of the old one starts; a seed that fails to open is no counted attempt', async () => {
    const idp = await startIdp({ ENCRYPTION_KEYS: `${key('k2')},${k1}` }, dirs);
    try {
      const account = (await idp.services.accounts.findById(accountId))!;
      // A seed damaged in the store (a fault of ours, not a guess): the check fails loudly and counts nothing.
      await idp.storage.accounts.update(account.id, (current) => ({
        ...current,
        totp: { ...current.totp!, sealedSecret: `${current.totp!.sealedSecret.slice(0, -4)}AAAA` },
      }));
      const damaged = (await idp.services.accounts.findById(accountId))!;
      for (let i = 0; i < 6; i += 1) await expect(idp.services.mfa.verify(damaged, '123456')).rejects.toThrow(/does not authenticate/);
      expect((await idp.services.accounts.findById(accountId))!).toMatchObject({ state: 'active', failedAttempts: 0 });
    } finally {
      await idp.stop({ keepFiles: true });
    }
  });
});
