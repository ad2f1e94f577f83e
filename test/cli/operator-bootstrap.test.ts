import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runIdp } from '../support/cli.js';
import { startIdp, type TestIdp } from '../support/server.js';
import { outbox } from '../support/outbox.js';
import { api, clientCredentialsRequest } from '../support/admin-client.js';

/** `idp operator bootstrap`, `idp operator grant-role|revoke-role|roles` and `idp client create --admin --role`. */
describe('operators: bootstrap and roles from the command line', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'idp-operators-'));
  const env = { DATA_DIR: path.join(root, 'data'), KEYS_DIR: path.join(root, 'keys'), BCRYPT_COST: '4' };
  let server: TestIdp;

  async function idp(args: string) {
    return runIdp(args.split(' '), env);
  }

  beforeAll(async () => {
    server = await startIdp({}, { dataDir: env.DATA_DIR, keysDir: env.KEYS_DIR });
  });
  afterAll(async () => {
    await server.stop();
    rmSync(root, { recursive: true, force: true });
  });

  test("creates the operators' tenant (2FA required) and an invited staff super-admin, and mails the invitation; run again, it finds the same ones (and mails the invitation anew)", async () => {
    const first = await idp('operator bootstrap --email Root@Ops.example --name Root --json');
    expect(first.code).toBe(0);
    const result = first.json();
    expect(result).toMatchObject({
      tenant: { slug: 'operators', created: true },
      account: { email: 'Root@Ops.example', staff: true, state: 'invited', created: true },
      roles: [{ role: 'super-admin', tenantId: null }],
      invitationSent: true,
    });
    const tenant = await server.services.tenants.get('operators');
    expect(tenant.policy.password.require2fa).toBe(true);
    const mails = outbox(env.DATA_DIR);
    expect(mails).toHaveLength(1);
    expect(mails[0]).toContain('To: Root@ops.example');
    expect(mails[0]).toContain('Choose your password');

    const again = await idp('operator bootstrap --email root@ops.example --json');
    expect(again.code).toBe(0);
    expect(again.json()).toMatchObject({
      tenant: { id: result.tenant.id, created: false },
      account: { id: result.account.id, created: false },
      roles: [{ role: 'super-admin', tenantId: null }],
    });
    expect((await server.services.tenants.list({ limit: 100 })).filter((t) => t.slug === 'operators')).toHaveLength(1);
    const events = await server.services.audit.list({ tenantId: tenant.id, action: 'admin.account.roles_update', limit: 10 });
    expect(events).toHaveLength(1);

    // Staff meet the staff floor (R4): a password the default policy takes is refused.
    await expect(server.services.accounts.setPassword(tenant.id, result.account.id, 'sunny-day-7')).rejects.toThrow();
  });

  test('grant-role and revoke-role change one role, audited; a tenant role needs --tenant', async () => {
    await idp('tenant create --slug acme --name Acme');
    const granted = await idp('operator grant-role --email root@ops.example --role tenant-admin --tenant acme --json');
    expect(granted.code).toBe(0);
    const acme = await server.services.tenants.get('acme');
    expect(granted.json().roles).toEqual(
      expect.arrayContaining([
        { role: 'super-admin', tenantId: null },
        { role: 'tenant-admin', tenantId: acme.id },
      ]),
    );
    const [inAcme] = await server.services.audit.list({ tenantId: acme.id, action: 'admin.account.role_granted', limit: 1 });
    expect(inAcme).toMatchObject({ actor: { type: 'cli' }, details: { role: 'tenant-admin' } });
    const missing = await idp('operator grant-role --email root@ops.example --role helpdesk');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('needs a tenant');
    const wrongRole = await idp('operator grant-role --email root@ops.example --role emperor');
    expect(wrongRole.code).toBe(2);
    const revoked = await idp('operator revoke-role --email root@ops.example --role tenant-admin --tenant acme --json');
    expect(revoked.json().roles).toEqual([{ role: 'super-admin', tenantId: null }]);
    expect((await idp('operator roles --email root@ops.example --json')).json().roles).toEqual([{ role: 'super-admin', tenantId: null }]);
  });

  test('client create --admin --role tenant-admin --tenant S makes a client that administers that tenant only', async () => {
    const created = await idp('client create --name AcmeOps --admin --role tenant-admin --tenant acme --json');
    expect(created.code).toBe(0);
    const { client, secret } = created.json();
    const acme = await server.services.tenants.get('acme');
    expect(client).toMatchObject({ admin: true, adminRole: 'tenant-admin', adminTenantIds: [acme.id], tenantIds: [] });
    const token = await clientCredentialsRequest(server.url, client.id, secret, 'admin');
    const call = api(server.url, ((await token.json()) as { access_token: string }).access_token);
    expect((await call('GET', '/tenants/acme/accounts')).status).toBe(200);
    expect((await call('GET', '/clients')).status).toBe(403);
    expect((await call('GET', '/tenants/operators/accounts')).status).toBe(403);
    const unscoped = await idp('client create --name Broken --admin --role helpdesk');
    expect(unscoped.code).toBe(1);
    expect(unscoped.stderr).toContain('needs at least one tenant');
  });
});
