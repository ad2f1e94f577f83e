import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { startIdp, type TestIdp } from '../support/server.js';
import { clientCredentialsRequest } from '../support/admin-client.js';
import { hashClientSecret } from '../../src/clients/secrets.js';

/**
 * The server keeps client instances in memory between token requests. A change to a client,
 * made through this server or straight in the database file by another process, must count
 * from the very next request: a removed client or a replaced secret never works again.
 */
describe('clients kept in memory give way to every change of their record, by whoever makes it', () => {
  let idp: TestIdp;
  let other: DatabaseSync;

  const clientCredentials = async (id: string, secret: string) => {
    const response = await clientCredentialsRequest(idp.url, id, secret, 'admin');
    return { status: response.status, error: ((await response.json()) as { error?: string }).error };
  };

  beforeAll(async () => {
    idp = await startIdp();
    // Another connection to the same file: what the CLI or a second process on this host uses.
    other = new DatabaseSync(path.join(idp.dataDir, 'idp.sqlite'));
    other.exec('PRAGMA busy_timeout = 5000');
  });
  afterAll(async () => {
    other.close();
    await idp.stop();
  });

  test('a client removed by another process is refused at the next request', async () => {
    const { client, secret } = await idp.services.clients.create({ name: 'Batch job', admin: true });
    expect(await clientCredentials(client.id, secret!)).toEqual({ status: 200, error: undefined });
    expect(await clientCredentials(client.id, secret!)).toEqual({ status: 200, error: undefined });

    other.prepare('DELETE FROM clients WHERE id = ?').run(client.id);

    expect(await clientCredentials(client.id, secret!)).toEqual({ status: 401, error: 'invalid_client' });
  });

  test('a secret replaced by another process: the old one fails and the new one works at once', async () => {
    const { client, secret } = await idp.services.clients.create({ name: 'Reporting', admin: true });
    expect((await clientCredentials(client.id, secret!)).status).toBe(200);

    const replacement = 'a-new-secret-set-straight-in-the-database-0123456789';
    const row = other.prepare('SELECT doc FROM clients WHERE id = ?').get(client.id) as { doc: string };
    const doc = { ...(JSON.parse(row.doc) as Record<string, unknown>), secretHash: hashClientSecret(replacement) };
    other.prepare('UPDATE clients SET doc = ? WHERE id = ?').run(JSON.stringify(doc), client.id);

    expect(await clientCredentials(client.id, secret!)).toEqual({ status: 401, error: 'invalid_client' });
    expect((await clientCredentials(client.id, replacement)).status).toBe(200);
  });

  test('a client removed through this server is refused at the next request', async () => {
    const { client, secret } = await idp.services.clients.create({ name: 'Old portal', admin: true });
    expect((await clientCredentials(client.id, secret!)).status).toBe(200);

    expect(await idp.storage.clients.delete(client.id)).toBe(true);

    expect(await clientCredentials(client.id, secret!)).toEqual({ status: 401, error: 'invalid_client' });
  });

  test('an unknown client id is refused alike, however often it is tried', async () => {
    for (let attempt = 0; attempt < 3; attempt += 1) {
      expect(await clientCredentials('no-such-client', 'whatever-secret')).toEqual({ status: 401, error: 'invalid_client' });
    }
  });
});
