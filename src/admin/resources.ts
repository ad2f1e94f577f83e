import { z } from 'zod';
import type { Services } from '../services.js';
import { toPublicAccount } from '../accounts/types.js';
import { accountCreateSchema, accountUpdateSchema, unlockSchema } from '../accounts/schema.js';
import { tenantPolicySchema } from '../policy/schema.js';
import { connectionCreateSchema, connectionUpdateSchema } from '../federation/schema.js';
import { toPublicConnection } from '../federation/types.js';
import { parseOrThrow } from '../validation.js';
import { invalid } from '../errors.js';
import { toPublicClient } from '../clients/types.js';
import { clientCreateSchema, clientUpdateSchema } from '../clients/schema.js';
import { tenantCreateSchema, tenantUpdateSchema } from '../tenants/schema.js';
import { requestOrigin } from '../web/origin.js';
import { pageQuery, type AdminRoutes, type RouteInput } from './route.js';
import { accountOut, auditEventOut, clientOut, clientWithSecretOut, connectionOut, listOf, policyOut, tenantOut } from './schemas.js';

function page<T extends { id: string }>(items: T[], limit: number) {
  return { items, next: items.length === limit ? items[items.length - 1]!.id : null };
}

/** Leaves password material out of what the audit trail keeps of a request. */
function withoutSecrets(body: unknown): unknown {
  if (!body || typeof body !== 'object') return body;
  const { password: _password, ...rest } = body as Record<string, unknown>;
  return rest;
}

export function registerResources(routes: AdminRoutes, services: Services): void {
  const audit = (input: RouteInput, action: string, target: { type: string; id: string }, tenantId: string | null, details?: Record<string, unknown>) =>
    services.audit.record({ tenantId, actor: input.state.actor, action: `admin.${action}`, target, origin: requestOrigin(input.ctx), details });

  // Tenants
  routes.add({
    method: 'get', path: '/tenants', operationId: 'listTenants', summary: 'List tenants', tag: 'Tenants', query: pageQuery,
    response: { status: 200, description: 'A page of tenants', schema: listOf(tenantOut) },
    handler: async ({ query }) => {
      const { limit, after } = query as z.infer<typeof pageQuery>;
      return page(await services.tenants.list({ limit, after }), limit);
    },
  });
  routes.add({
    method: 'post', path: '/tenants', operationId: 'createTenant', summary: 'Create a tenant', tag: 'Tenants', body: tenantCreateSchema,
    response: { status: 201, description: 'The new tenant', schema: tenantOut },
    handler: async (input) => {
      const tenant = await services.tenants.create(input.body as never);
      await audit(input, 'tenant.create', { type: 'tenant', id: tenant.id }, tenant.id, { after: tenant });
      return tenant;
    },
  });
  routes.add({
    method: 'get', path: '/tenants/:tenant', operationId: 'getTenant', summary: 'Read a tenant (by id or slug)', tag: 'Tenants',
    response: { status: 200, description: 'The tenant', schema: tenantOut },
    handler: ({ params }) => services.tenants.get(params.tenant!),
  });
  routes.add({
    method: 'patch', path: '/tenants/:tenant', operationId: 'updateTenant', summary: 'Change a tenant', tag: 'Tenants', body: tenantUpdateSchema,
    response: { status: 200, description: 'The changed tenant', schema: tenantOut },
    handler: async (input) => {
      const { before, after } = await services.tenants.update(input.params.tenant!, input.body as never);
      await audit(input, 'tenant.update', { type: 'tenant', id: after.id }, after.id, { before, after });
      return after;
    },
  });
  routes.add({
    method: 'delete', path: '/tenants/:tenant', operationId: 'deleteTenant', summary: 'Delete a tenant and its accounts', tag: 'Tenants',
    response: { status: 204, description: 'Deleted' },
    handler: async (input) => {
      const tenant = await services.tenants.delete(input.params.tenant!);
      await audit(input, 'tenant.delete', { type: 'tenant', id: tenant.id }, tenant.id, { before: tenant });
    },
  });

  // Password and lockout policy
  routes.add({
    method: 'get', path: '/tenants/:tenant/policy', operationId: 'getTenantPolicy', summary: 'Read the password and lockout policy', tag: 'Policy',
    response: { status: 200, description: 'The policy', schema: policyOut },
    handler: async ({ params }) => (await services.tenants.get(params.tenant!)).policy,
  });
  routes.add({
    method: 'put', path: '/tenants/:tenant/policy', operationId: 'setTenantPolicy',
    summary: 'Replace the password and lockout policy (omitted fields take their defaults; applies from the next password set)', tag: 'Policy',
    body: tenantPolicySchema, response: { status: 200, description: 'The policy now in force', schema: policyOut },
    handler: async (input) => {
      const { tenant, before, after } = await services.tenants.setPolicy(input.params.tenant!, input.body as never);
      await audit(input, 'tenant.policy_update', { type: 'tenant', id: tenant.id }, tenant.id, { before, after });
      return after;
    },
  });

  // Accounts
  routes.add({
    method: 'get', path: '/tenants/:tenant/accounts', operationId: 'listAccounts', summary: 'List the accounts of a tenant', tag: 'Accounts',
    query: pageQuery, response: { status: 200, description: 'A page of accounts', schema: listOf(accountOut) },
    handler: async ({ params, query }) => {
      const { limit, after } = query as z.infer<typeof pageQuery>;
      const tenant = await services.tenants.get(params.tenant!);
      return page((await services.accounts.list(tenant.id, { limit, after })).map(toPublicAccount), limit);
    },
  });
  routes.add({
    method: 'post', path: '/tenants/:tenant/accounts', operationId: 'createAccount',
    summary: 'Create an account: with a password, or invited (invite: true e-mails a link to choose one)', tag: 'Accounts',
    body: accountCreateSchema.extend({ invite: z.boolean().optional().describe('Send the registration e-mail now') }),
    response: { status: 201, description: 'The new account', schema: accountOut.extend({ invitationSent: z.boolean().optional() }) },
    handler: async (input) => {
      const { invite, ...fields } = (input.body ?? {}) as { invite?: unknown };
      if (invite !== undefined && typeof invite !== 'boolean') {
        throw invalid([{ field: 'invite', code: 'invalid_type', message: 'expected a boolean' }]);
      }
      if (invite && 'password' in fields) {
        throw invalid([{ field: 'invite', code: 'invite_with_password', message: 'an invited account chooses its own password' }]);
      }
      const tenant = await services.tenants.get(input.params.tenant!);
      const created = await services.accounts.create(tenant.id, fields as never);
      const account = toPublicAccount(created);
      await audit(input, 'account.create', { type: 'account', id: account.id }, tenant.id, { after: account });
      if (!invite) return account;
      const invitationSent = await services.links.sendInvitation(created, 'en');
      await audit(input, 'account.invite', { type: 'account', id: account.id }, tenant.id, { sent: invitationSent });
      return { ...account, invitationSent };
    },
  });
  routes.add({
    method: 'post', path: '/tenants/:tenant/accounts/:id/invitation', operationId: 'resendInvitation',
    summary: 'Send the registration e-mail again (the older link stops working)', tag: 'Accounts',
    response: { status: 200, description: 'Whether the e-mail was handed over', schema: z.object({ invitationSent: z.boolean() }) },
    handler: async (input) => {
      const tenant = await services.tenants.get(input.params.tenant!);
      const account = await services.accounts.get(tenant.id, input.params.id!);
      const invitationSent = await services.links.sendInvitation(account, 'en');
      await audit(input, 'account.invite', { type: 'account', id: account.id }, tenant.id, { sent: invitationSent, resend: true });
      return { invitationSent };
    },
  });
  routes.add({
    method: 'get', path: '/tenants/:tenant/accounts/:id', operationId: 'getAccount', summary: 'Read an account', tag: 'Accounts',
    response: { status: 200, description: 'The account', schema: accountOut },
    handler: async ({ params }) => {
      const tenant = await services.tenants.get(params.tenant!);
      return toPublicAccount(await services.accounts.get(tenant.id, params.id!));
    },
  });
  routes.add({
    method: 'patch', path: '/tenants/:tenant/accounts/:id', operationId: 'updateAccount', summary: 'Change an account', tag: 'Accounts',
    body: accountUpdateSchema, response: { status: 200, description: 'The changed account', schema: accountOut },
    handler: async (input) => {
      const tenant = await services.tenants.get(input.params.tenant!);
      const { before, after } = await services.accounts.update(tenant.id, input.params.id!, input.body as never);
      await audit(input, 'account.update', { type: 'account', id: after.id }, tenant.id, {
        before: toPublicAccount(before), after: toPublicAccount(after), request: withoutSecrets(input.body),
        passwordChanged: before.passwordHash !== after.passwordHash,
      });
      return toPublicAccount(after);
    },
  });
  routes.add({
    method: 'post', path: '/tenants/:tenant/accounts/:id/unlock', operationId: 'unlockAccount',
    summary: 'Lift a lock and clear the failed-attempt counter', tag: 'Accounts', body: unlockSchema,
    response: { status: 200, description: 'The account', schema: accountOut },
    handler: async (input) => {
      const { reason } = parseOrThrow(unlockSchema, input.body);
      const tenant = await services.tenants.get(input.params.tenant!);
      const { before, after } = await services.accounts.unlock(tenant.id, input.params.id!);
      await audit(input, 'account.unlock', { type: 'account', id: after.id }, tenant.id, {
        reason, stateBefore: before.state, failedAttemptsBefore: before.failedAttempts,
      });
      return toPublicAccount(after);
    },
  });
  routes.add({
    method: 'delete', path: '/tenants/:tenant/accounts/:id/mfa', operationId: 'resetAccountMfa',
    summary: 'Remove the second factor and recovery codes (the person enrols again at the next sign-in if required)', tag: 'Accounts',
    response: { status: 200, description: 'The account', schema: accountOut },
    handler: async (input) => {
      const tenant = await services.tenants.get(input.params.tenant!);
      const account = await services.accounts.get(tenant.id, input.params.id!);
      const result = await services.mfa.disable(account.id);
      await audit(input, 'account.mfa_reset', { type: 'account', id: account.id }, tenant.id, { hadFactor: account.totp !== null });
      if (account.totp) services.notices.factorChanged(account, 'mfa_reset', 'en');
      return toPublicAccount(result?.after ?? account);
    },
  });
  routes.add({
    method: 'delete', path: '/tenants/:tenant/accounts/:id', operationId: 'deleteAccount', summary: 'Delete an account', tag: 'Accounts',
    response: { status: 204, description: 'Deleted' },
    handler: async (input) => {
      const tenant = await services.tenants.get(input.params.tenant!);
      const account = await services.accounts.delete(tenant.id, input.params.id!);
      await audit(input, 'account.delete', { type: 'account', id: account.id }, tenant.id, { before: toPublicAccount(account) });
    },
  });

  // Upstream connections (federation)
  routes.add({
    method: 'get', path: '/tenants/:tenant/connections', operationId: 'listConnections', summary: 'List the tenant\'s upstream identity providers', tag: 'Connections',
    response: { status: 200, description: 'The connections', schema: z.object({ items: z.array(connectionOut) }) },
    handler: async ({ params }) => {
      const tenant = await services.tenants.get(params.tenant!);
      return { items: (await services.connections.list(tenant.id)).map(toPublicConnection) };
    },
  });
  routes.add({
    method: 'post', path: '/tenants/:tenant/connections', operationId: 'createConnection',
    summary: 'Connect an upstream identity provider (entra, google or oidc); the client secret is sealed at rest', tag: 'Connections',
    body: connectionCreateSchema, response: { status: 201, description: 'The connection', schema: connectionOut },
    handler: async (input) => {
      const tenant = await services.tenants.get(input.params.tenant!);
      const connection = toPublicConnection(await services.connections.create(tenant.id, input.body as never));
      await audit(input, 'connection.create', { type: 'connection', id: connection.id }, tenant.id, { after: connection });
      return connection;
    },
  });
  routes.add({
    method: 'get', path: '/tenants/:tenant/connections/:id', operationId: 'getConnection', summary: 'Read a connection', tag: 'Connections',
    response: { status: 200, description: 'The connection', schema: connectionOut },
    handler: async ({ params }) => {
      const tenant = await services.tenants.get(params.tenant!);
      return toPublicConnection(await services.connections.get(tenant.id, params.id!));
    },
  });
  routes.add({
    method: 'patch', path: '/tenants/:tenant/connections/:id', operationId: 'updateConnection', summary: 'Change a connection', tag: 'Connections',
    body: connectionUpdateSchema, response: { status: 200, description: 'The changed connection', schema: connectionOut },
    handler: async (input) => {
      const tenant = await services.tenants.get(input.params.tenant!);
      const { before, after } = await services.connections.update(tenant.id, input.params.id!, input.body as never);
      await audit(input, 'connection.update', { type: 'connection', id: after.id }, tenant.id, {
        before: toPublicConnection(before), after: toPublicConnection(after), secretChanged: before.sealedClientSecret !== after.sealedClientSecret,
      });
      return toPublicConnection(after);
    },
  });
  routes.add({
    method: 'delete', path: '/tenants/:tenant/connections/:id', operationId: 'deleteConnection', summary: 'Remove a connection', tag: 'Connections',
    response: { status: 204, description: 'Deleted' },
    handler: async (input) => {
      const tenant = await services.tenants.get(input.params.tenant!);
      const connection = await services.connections.delete(tenant.id, input.params.id!);
      await audit(input, 'connection.delete', { type: 'connection', id: connection.id }, tenant.id, { before: toPublicConnection(connection) });
    },
  });

  // Clients
  routes.add({
    method: 'get', path: '/clients', operationId: 'listClients', summary: 'List relying applications', tag: 'Clients', query: pageQuery,
    response: { status: 200, description: 'A page of clients', schema: listOf(clientOut) },
    handler: async ({ query }) => {
      const { limit, after } = query as z.infer<typeof pageQuery>;
      return page((await services.clients.list({ limit, after })).map(toPublicClient), limit);
    },
  });
  routes.add({
    method: 'post', path: '/clients', operationId: 'createClient', summary: 'Register a relying application', tag: 'Clients', body: clientCreateSchema,
    response: { status: 201, description: 'The client and, if confidential, its secret (shown once)', schema: clientWithSecretOut },
    handler: async (input) => {
      const { client, secret } = await services.clients.create(input.body as never);
      await audit(input, 'client.create', { type: 'client', id: client.id }, null, { after: toPublicClient(client) });
      return { client: toPublicClient(client), secret };
    },
  });
  routes.add({
    method: 'get', path: '/clients/:id', operationId: 'getClient', summary: 'Read a client', tag: 'Clients',
    response: { status: 200, description: 'The client', schema: clientOut },
    handler: async ({ params }) => toPublicClient(await services.clients.get(params.id!)),
  });
  routes.add({
    method: 'patch', path: '/clients/:id', operationId: 'updateClient', summary: 'Change a client', tag: 'Clients', body: clientUpdateSchema,
    response: { status: 200, description: 'The changed client', schema: clientOut },
    handler: async (input) => {
      const { before, after } = await services.clients.update(input.params.id!, input.body as never);
      await audit(input, 'client.update', { type: 'client', id: after.id }, null, { before: toPublicClient(before), after: toPublicClient(after) });
      return toPublicClient(after);
    },
  });
  routes.add({
    method: 'post', path: '/clients/:id/secret', operationId: 'rotateClientSecret', summary: 'Issue a new client secret (the old one stops working)', tag: 'Clients',
    response: { status: 200, description: 'The client and its new secret (shown once)', schema: clientWithSecretOut },
    handler: async (input) => {
      const { client, secret } = await services.clients.rotateSecret(input.params.id!);
      await audit(input, 'client.rotate_secret', { type: 'client', id: client.id }, null);
      return { client: toPublicClient(client), secret };
    },
  });
  routes.add({
    method: 'delete', path: '/clients/:id', operationId: 'deleteClient', summary: 'Delete a client', tag: 'Clients',
    response: { status: 204, description: 'Deleted' },
    handler: async (input) => {
      const client = await services.clients.delete(input.params.id!);
      await audit(input, 'client.delete', { type: 'client', id: client.id }, null, { before: toPublicClient(client) });
    },
  });

  // Audit trail
  const auditQuery = z.strictObject({
    tenant: z.string().max(100).optional(),
    action: z.string().max(100).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
    before: z.string().max(64).optional(),
  });
  routes.add({
    method: 'get', path: '/audit-events', operationId: 'listAuditEvents', summary: 'Read the audit trail, newest first', tag: 'Audit',
    query: auditQuery, response: { status: 200, description: 'A page of events', schema: listOf(auditEventOut) },
    handler: async ({ query }) => {
      const q = query as z.infer<typeof auditQuery>;
      const tenantId = q.tenant ? (await services.tenants.get(q.tenant)).id : undefined;
      const items = await services.audit.list({ tenantId, action: q.action, limit: q.limit, before: q.before });
      return { items, next: items.length === q.limit ? items[items.length - 1]!.id : null };
    },
  });
}
