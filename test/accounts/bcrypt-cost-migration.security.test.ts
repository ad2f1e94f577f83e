import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import bcrypt from 'bcrypt';
import { startIdp } from '../support/server.js';

/**
 * After BCRYPT_COST changes, existing hashes keep their old cost until their owner signs in.
 * Meanwhile an unknown e-mail must cost what a wrong password for a typical account costs, or
 * the difference tells which e-mails exist. Compared as bcrypt work (the cost used), not wall time.
 */
describe('a bcrypt cost migration does not reveal which accounts exist', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'idp-cost-'));
  const dirs = { dataDir: path.join(root, 'data'), keysDir: path.join(root, 'keys') };
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const passwordOf = (name: string) => `a fine passphrase, ${name.length * 7}`;

  test('the unknown-account comparison spends the stored cost; a right password is rehashed at the new cost', async () => {
    const before = await startIdp({ BCRYPT_COST: '4' }, dirs);
    const tenant = await before.services.tenants.create({ slug: 'acme', name: 'Acme' });
    try {
      for (const name of ['ann', 'bo', 'cy']) {
        await before.services.accounts.create(tenant.id, { email: `${name}@acme.example`, password: passwordOf(name) });
      }
    } finally {
      await before.stop({ keepFiles: true });
    }

    const after = await startIdp({ BCRYPT_COST: '6' }, dirs);
    try {
      const hashOf = async (email: string) => (await after.services.accounts.getByEmail(tenant.id, email)).passwordHash!;
      // Every stored hash is at cost 4: so is the comparison for an e-mail nobody has.
      expect(bcrypt.getRounds(await hashOf('ann@acme.example'))).toBe(4);
      expect(after.services.passwordHasher.decoyCost).toBe(4);
      expect((await after.services.accounts.signIn('nobody@acme.example', 'whatever'))[0]).toMatchObject({ outcome: 'unknown_account' });

      // A wrong password changes nothing; the right one renews the hash at the configured cost.
      await after.services.accounts.signIn('ann@acme.example', 'wrong');
      expect(bcrypt.getRounds(await hashOf('ann@acme.example'))).toBe(4);
      expect((await after.services.accounts.signIn('ann@acme.example', passwordOf('ann')))[0]).toMatchObject({ outcome: 'ok' });
      expect(bcrypt.getRounds(await hashOf('ann@acme.example'))).toBe(6);
      expect((await after.services.accounts.signIn('ann@acme.example', passwordOf('ann')))[0]).toMatchObject({ outcome: 'ok' });

      // Most accounts are still at 4: so is the decoy, until the migration has moved the median.
      expect(after.services.passwordHasher.decoyCost).toBe(4);
      await after.services.accounts.signIn('bo@acme.example', passwordOf('bo'));
      expect(after.services.passwordHasher.decoyCost).toBe(6);
    } finally {
      await after.stop({ keepFiles: true });
    }
  });
});
