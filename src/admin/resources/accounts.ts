import { z } from 'zod';
import { accountCreateSchema, accountUpdateSchema, unlockSchema } from '../../accounts/schema.js';
import { invalid } from '../../errors.js';
import { parseOrThrow } from '../../validation.js';
import type { Services } from '../../services.js';
import { pageQuery, type AdminRoutes } from '../route.js';
import { accountOut, listOf } from '../schemas.js';
import type { AdminOperations } from '../../operations/index.js';
import { callerOf, page } from './common.js';

const accountSearchQuery = pageQuery.extend({
  q: z.string().trim().max(254).optional().describe('The start of the e-mail, of the name or of a word in the name (any case)'),
  state: z.enum(['invited', 'active', 'locked', 'disabled']).optional(),
  mfa: z.enum(['enabled', 'disabled']).optional().describe('With or without a second factor'),
});

/** A tenant's accounts: create (or invite), read, change, unlock, reset the second factor, delete. */
export function registerAccountRoutes(routes: AdminRoutes, services: Services, operations: AdminOperations): void {
  const { accounts } = operations;

  routes.add({
    method: 'get',
    path: '/tenants/:tenant/accounts',
    operationId: 'listAccounts',
    permission: 'tenant.accounts.read',
    summary: 'List or find the accounts of a tenant: by e-mail or name prefix (`q`), state and 2FA, in pages',
    tag: 'Accounts',
    query: accountSearchQuery,
    response: { status: 200, description: 'A page of accounts', schema: listOf(accountOut) },
    handler: async ({ params, query }) => {
      const { limit, after, q, state, mfa } = query as z.infer<typeof accountSearchQuery>;
      const tenant = await services.tenants.get(params.tenant!);
      const found = await services.accounts.search(tenant.id, {
        limit,
        after,
        q: q || undefined,
        state,
        mfa: mfa === undefined ? undefined : mfa === 'enabled',
      });
      return page(
        found.map((account) => services.accounts.toPublic(account)),
        limit,
      );
    },
  });
  routes.add({
    method: 'post',
    path: '/tenants/:tenant/accounts',
    operationId: 'createAccount',
    permission: 'tenant.accounts.write',
    summary: 'Create an account: with a password, or invited (invite: true e-mails a link to choose one)',
    tag: 'Accounts',
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
      const { account, invitationSent } = await accounts.create(callerOf(input), input.params.tenant!, fields as never, invite === true);
      return invitationSent === undefined
        ? services.accounts.toPublic(account)
        : { ...services.accounts.toPublic(account), invitationSent };
    },
  });
  routes.add({
    method: 'post',
    path: '/tenants/:tenant/accounts/:id/invitation',
    operationId: 'resendInvitation',
    permission: 'tenant.accounts.support',
    summary: 'Send the registration e-mail again (the older link stops working)',
    tag: 'Accounts',
    response: { status: 200, description: 'Whether the e-mail was handed over', schema: z.object({ invitationSent: z.boolean() }) },
    handler: async (input) => ({
      invitationSent: await accounts.resendInvitation(callerOf(input), input.params.tenant!, input.params.id!),
    }),
  });
  routes.add({
    method: 'get',
    path: '/tenants/:tenant/accounts/:id',
    operationId: 'getAccount',
    permission: 'tenant.accounts.read',
    summary: 'Read an account',
    tag: 'Accounts',
    response: { status: 200, description: 'The account', schema: accountOut },
    handler: async ({ params }) => {
      const tenant = await services.tenants.get(params.tenant!);
      return services.accounts.toPublic(await services.accounts.get(tenant.id, params.id!));
    },
  });
  routes.add({
    method: 'patch',
    path: '/tenants/:tenant/accounts/:id',
    operationId: 'updateAccount',
    permission: 'tenant.accounts.write',
    summary: 'Change an account; personalNumber (any valid form, null removes it) ties a personnummer for e-ID sign-in',
    tag: 'Accounts',
    body: accountUpdateSchema,
    response: { status: 200, description: 'The changed account', schema: accountOut },
    handler: async (input) =>
      services.accounts.toPublic(await accounts.update(callerOf(input), input.params.tenant!, input.params.id!, input.body as never)),
  });
  routes.add({
    method: 'post',
    path: '/tenants/:tenant/accounts/:id/unlock',
    operationId: 'unlockAccount',
    permission: 'tenant.accounts.support',
    summary: 'Lift a lock and clear the failed-attempt counter',
    tag: 'Accounts',
    body: unlockSchema,
    response: { status: 200, description: 'The account', schema: accountOut },
    handler: async (input) => {
      const { reason } = parseOrThrow(unlockSchema, input.body);
      return services.accounts.toPublic(await accounts.unlock(callerOf(input), input.params.tenant!, input.params.id!, reason));
    },
  });
  routes.add({
    method: 'delete',
    path: '/tenants/:tenant/accounts/:id/mfa',
    operationId: 'resetAccountMfa',
    permission: 'tenant.accounts.support',
    summary: 'Remove the second factor and recovery codes (the person enrols again at the next sign-in if required)',
    tag: 'Accounts',
    response: { status: 200, description: 'The account', schema: accountOut },
    handler: async (input) =>
      services.accounts.toPublic(await accounts.resetSecondFactor(callerOf(input), input.params.tenant!, input.params.id!)),
  });
  routes.add({
    method: 'delete',
    path: '/tenants/:tenant/accounts/:id',
    operationId: 'deleteAccount',
    permission: 'tenant.accounts.write',
    summary: 'Delete an account',
    tag: 'Accounts',
    response: { status: 204, description: 'Deleted' },
    handler: async (input) => {
      await accounts.delete(callerOf(input), input.params.tenant!, input.params.id!);
    },
  });
}
