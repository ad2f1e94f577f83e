import type { Idp } from '../../src/app.js';
import { adminOperations } from '../../src/operations/index.js';
import type { RoleName } from '../../src/roles/types.js';
import { PASSWORD } from './fixtures.js';
import { clientCredentialsRequest } from './admin-client.js';

const TEST_CALLER = { actor: { type: 'cli' as const, id: 'test@localhost' }, awaitMail: true };

/** The operators' tenant and a staff member with these roles and a password (it enrols 2FA at its first sign-in). */
export async function staffMember(idp: Idp, email: string, roles: { role: RoleName; tenant?: string }[] = [{ role: 'super-admin' }]) {
  const operations = adminOperations(idp.services);
  const { tenant, account } = await operations.operators.bootstrap(TEST_CALLER, { email });
  await idp.services.accounts.setPassword(tenant.id, account.id, PASSWORD);
  await operations.roles.set(TEST_CALLER, tenant.id, account.id, { roles });
  return { tenantId: tenant.id, accountId: account.id, email, password: PASSWORD };
}

/** A customer's own account holding roles of its tenant. */
export async function customerAdmin(idp: Idp, tenantId: string, email: string, roles: { role: RoleName; tenant?: string }[]) {
  const account = await idp.services.accounts.create(tenantId, { email, password: PASSWORD });
  await adminOperations(idp.services).roles.set(TEST_CALLER, tenantId, account.id, { roles });
  return { tenantId, accountId: account.id, email, password: PASSWORD };
}

/** An admin client with a role, and its client-credentials token. */
export async function roleClient(idp: Idp & { url: string }, adminRole: RoleName, adminTenants?: string[]) {
  const { client, secret } = await idp.services.clients.create({ name: `${adminRole} client`, admin: true, adminRole, adminTenants });
  const response = await clientCredentialsRequest(idp.url, client.id, secret!, 'admin');
  const body = (await response.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`no admin token: ${JSON.stringify(body)}`);
  return { clientId: client.id, token: body.access_token };
}
