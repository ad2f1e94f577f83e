import { toPublicAccount } from '../../accounts/types.js';
import { UsageError } from '../io.js';
import { str, passwordFromStdin, recordCli, tenantAccount, type Command } from './common.js';

/** `idp user …`: accounts. */
export const USER_COMMANDS: Record<string, Command> = {
  'user create': {
    usage: 'idp user create --tenant S --email E [--name N] [--staff] (--password-stdin | --invite)',
    options: { tenant: 'string', email: 'string', name: 'string', staff: 'boolean', 'password-stdin': 'boolean', invite: 'boolean' },
    required: ['tenant', 'email'],
    async run(ctx) {
      const o = ctx.options;
      if ((o['password-stdin'] === true) === (o.invite === true)) {
        throw new UsageError('give exactly one of --password-stdin and --invite');
      }
      const tenant = await ctx.services.tenants.get(str(o, 'tenant'));
      const password = o['password-stdin'] ? await passwordFromStdin(ctx.io) : undefined;
      const created = await ctx.services.accounts.create(tenant.id, {
        email: str(o, 'email'), staff: o.staff === true, ...(o.name ? { name: str(o, 'name') } : {}), ...(password ? { password } : {}),
      });
      const account = toPublicAccount(created);
      await recordCli(ctx, 'account.create', { type: 'account', id: account.id }, tenant.id, { after: account });
      if (!o.invite) return account;
      const invitationSent = await ctx.services.links.sendInvitation(created, 'en');
      await recordCli(ctx, 'account.invite', { type: 'account', id: account.id }, tenant.id, { sent: invitationSent });
      if (!invitationSent) throw new UsageError('the account was created, but the invitation e-mail could not be sent; retry with: idp user invite');
      return { ...account, invitationSent };
    },
  },
  'user invite': {
    usage: 'idp user invite --tenant S --email E   (sends the registration e-mail again; the older link stops working)',
    options: { tenant: 'string', email: 'string' },
    required: ['tenant', 'email'],
    async run(ctx) {
      const { tenant, account } = await tenantAccount(ctx);
      const invitationSent = await ctx.services.links.sendInvitation(account, 'en');
      await recordCli(ctx, 'account.invite', { type: 'account', id: account.id }, tenant.id, { sent: invitationSent, resend: true });
      if (!invitationSent) throw new Error('the invitation e-mail could not be sent (see the log and the audit trail)');
      return { invitationSent };
    },
  },
  'user list': {
    usage: 'idp user list --tenant S',
    options: { tenant: 'string' },
    required: ['tenant'],
    async run(ctx) {
      const tenant = await ctx.services.tenants.get(str(ctx.options, 'tenant'));
      return (await ctx.services.accounts.list(tenant.id, { limit: 100_000 })).map(toPublicAccount);
    },
  },
  'user set-password': {
    usage: 'idp user set-password --tenant S --email E --password-stdin',
    options: { tenant: 'string', email: 'string', 'password-stdin': 'boolean' },
    required: ['tenant', 'email', 'password-stdin'],
    async run(ctx) {
      const { tenant, account } = await tenantAccount(ctx);
      const password = await passwordFromStdin(ctx.io);
      const { after } = await ctx.services.accounts.setPassword(tenant.id, account.id, password);
      await recordCli(ctx, 'account.set_password', { type: 'account', id: after.id }, tenant.id);
      return toPublicAccount(after);
    },
  },
  'user unlock': {
    usage: 'idp user unlock --tenant S --email E [--reason R]',
    options: { tenant: 'string', email: 'string', reason: 'string' },
    required: ['tenant', 'email'],
    async run(ctx) {
      const { tenant, account } = await tenantAccount(ctx);
      const { before, after } = await ctx.services.accounts.unlock(tenant.id, account.id);
      await recordCli(ctx, 'account.unlock', { type: 'account', id: after.id }, tenant.id, {
        reason: (ctx.options.reason as string | undefined) ?? null, stateBefore: before.state, failedAttemptsBefore: before.failedAttempts,
      });
      return toPublicAccount(after);
    },
  },
  'user reset-2fa': {
    usage: 'idp user reset-2fa --tenant S --email E',
    options: { tenant: 'string', email: 'string' },
    required: ['tenant', 'email'],
    async run(ctx) {
      const { tenant, account } = await tenantAccount(ctx);
      const result = await ctx.services.mfa.disable(account.id);
      await recordCli(ctx, 'account.mfa_reset', { type: 'account', id: account.id }, tenant.id, { hadFactor: account.totp !== null });
      if (account.totp) await ctx.services.notices.sendFactorChanged(account, 'mfa_reset', 'en');
      return toPublicAccount(result?.after ?? account);
    },
  },
  'user delete': {
    usage: 'idp user delete --tenant S --email E',
    options: { tenant: 'string', email: 'string' },
    required: ['tenant', 'email'],
    async run(ctx) {
      const { tenant, account } = await tenantAccount(ctx);
      await ctx.services.accounts.delete(tenant.id, account.id);
      await recordCli(ctx, 'account.delete', { type: 'account', id: account.id }, tenant.id, { before: toPublicAccount(account) });
      return { deleted: account.id };
    },
  },
};
