import { z } from 'zod';
import { accountCreateSchema, accountUpdateSchema, unlockSchema } from '../../accounts/schema.js';
import { invalid } from '../../errors.js';
import { parseOrThrow } from '../../validation.js';
import { toPublicAccount } from '../../accounts/types.js';
import type { Services } from '../../services.js';
import { pageQuery, type AdminRoutes } from '../route.js';
import { accountOut, listOf } from '../schemas.js';
import { adminAudit, page, withoutSecrets } from './common.js';

/** A tenant's accounts: create (or invite), read, change, unlock, reset the second factor, delete. */
export function registerAccountRoutes(routes: AdminRoutes, services: Services): void {
  const audit = adminAudit(services);

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
}
