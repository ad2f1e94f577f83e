import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startIdp, type TestIdp } from '../support/server.js';
import { waitForOutbox } from '../support/outbox.js';

const mode = (file: string) => (statSync(file).mode & 0o777).toString(8).padStart(3, '0');

describe('files under DATA_DIR hold live tokens: nobody else on the machine can read them', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'idp-modes-'));
  const dirs = { dataDir: path.join(root, 'data'), keysDir: path.join(root, 'keys') };
  const database = path.join(dirs.dataDir, 'idp.sqlite');
  let idp: TestIdp | undefined;
  let umask: number;

  // A permissive umask, so nothing is private by the environment's grace.
  beforeAll(() => {
    umask = process.umask(0);
  });
  afterAll(async () => {
    await idp?.stop();
    process.umask(umask);
    rmSync(root, { recursive: true, force: true });
  });

  test('DATA_DIR is 0700; the database, its -wal and -shm, the outbox and the development key are 0600', async () => {
    idp = await startIdp({}, dirs);
    const tenant = await idp.services.tenants.create({ slug: 'acme', name: 'Acme AB', domains: [] });
    const invited = await idp.services.accounts.create(tenant.id, { email: 'bo@acme.example' });
    await idp.services.links.sendInvitation(invited, 'en');
    expect(await waitForOutbox(dirs.dataDir, 1)).toHaveLength(1);

    expect(mode(dirs.dataDir)).toBe('700');
    for (const file of [database, `${database}-wal`, `${database}-shm`, path.join(dirs.dataDir, 'encryption-key.json')]) {
      expect([file, mode(file)]).toEqual([file, '600']);
    }
    const outbox = path.join(dirs.dataDir, 'outbox');
    expect(mode(outbox)).toBe('700');
    for (const mail of readdirSync(outbox)) expect(mode(path.join(outbox, mail))).toBe('600');
    expect(idp.logs()).not.toContain('readable by other users');
  });

  test('-wal and -shm files SQLite creates later (after a restart removed them) are 0600 too', async () => {
    await idp!.stop({ keepFiles: true });
    idp = undefined;
    expect(existsSync(`${database}-wal`)).toBe(false);
    idp = await startIdp({}, dirs);
    await idp.services.tenants.create({ slug: 'later', name: 'Later AB', domains: [] });
    expect(mode(`${database}-wal`)).toBe('600');
    expect(mode(`${database}-shm`)).toBe('600');
  });

  test('an existing directory or database others can read is reported at start, naming it', async () => {
    await idp!.stop({ keepFiles: true });
    idp = undefined;
    chmodSync(dirs.dataDir, 0o755);
    chmodSync(database, 0o644);
    idp = await startIdp({}, dirs);
    const warnings = idp
      .logs()
      .split('\n')
      .filter((line) => line.includes('readable by other users'));
    expect(warnings.join('\n')).toContain(`"path":"${dirs.dataDir}"`);
    expect(warnings.join('\n')).toContain(`"path":"${database}"`);
    expect(warnings.every((line) => JSON.parse(line).level === 40)).toBe(true);
  });
});
