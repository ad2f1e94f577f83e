import { UsageError } from '../io.js';
import { str, passwordFromStdin, tenantAccount, type Command } from './common.js';

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
      const password = o['password-stdin'] ? await passwordFromStdin(ctx.io) : undefined;
      const { account, invitationSent } = await ctx.operations.accounts.create(
        ctx.caller,
        str(o, 'tenant'),
        {
          email: str(o, 'email'),
          staff: o.staff === true,
          ...(o.name ? { name: str(o, 'name') } : {}),
          ...(password ? { password } : {}),
        },
        o.invite === true,
      );
      if (invitationSent === undefined) return ctx.services.accounts.toPublic(account);
      if (!invitationSent)
        throw new UsageError('the account was created, but the invitation e-mail could not be sent; retry with: idp user invite');
      return { ...ctx.services.accounts.toPublic(account), invitationSent };
    },
  },
  'user invite': {
    usage: 'idp user invite --tenant S (--email E | --id ID)   (sends the registration e-mail again; the older link stops working)',
    options: { tenant: 'string', email: 'string', id: 'string' },
    required: ['tenant'],
    async run(ctx) {
      const { tenant, account } = await tenantAccount(ctx);
      const invitationSent = await ctx.operations.accounts.resendInvitation(ctx.caller, tenant.id, account.id);
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
      return (await ctx.services.accounts.list(tenant.id, { limit: 100_000 })).map((account) => ctx.services.accounts.toPublic(account));
    },
  },
  'user set-password': {
    usage: 'idp user set-password --tenant S (--email E | --id ID) --password-stdin',
    options: { tenant: 'string', email: 'string', id: 'string', 'password-stdin': 'boolean' },
    required: ['tenant', 'password-stdin'],
    async run(ctx) {
      const { tenant, account } = await tenantAccount(ctx);
      const password = await passwordFromStdin(ctx.io);
      return ctx.services.accounts.toPublic(await ctx.operations.accounts.setPassword(ctx.caller, tenant.id, account.id, password));
    },
  },
  'user unlock': {
    usage: 'idp user unlock --tenant S (--email E | --id ID) [--reason R]',
    options: { tenant: 'string', email: 'string', id: 'string', reason: 'string' },
    required: ['tenant'],
    async run(ctx) {
      const { tenant, account } = await tenantAccount(ctx);
      const reason = (ctx.options.reason as string | undefined) ?? null;
      return ctx.services.accounts.toPublic(await ctx.operations.accounts.unlock(ctx.caller, tenant.id, account.id, reason));
    },
  },
  'user reset-2fa': {
    usage: 'idp user reset-2fa --tenant S (--email E | --id ID)',
    options: { tenant: 'string', email: 'string', id: 'string' },
    required: ['tenant'],
    async run(ctx) {
      const { tenant, account } = await tenantAccount(ctx);
      return ctx.services.accounts.toPublic(await ctx.operations.accounts.resetSecondFactor(ctx.caller, tenant.id, account.id));
    },
  },
  'user set-personal-number': {
    usage:
      'idp user set-personal-number --tenant S (--email E | --id ID) (--personal-number-stdin | --personal-number P | --clear)   ' +
      '(ties a personnummer, any valid form, for e-ID sign-in; from standard input it stays out of shell history; --clear removes it)',
    options: {
      tenant: 'string',
      email: 'string',
      id: 'string',
      'personal-number': 'string',
      'personal-number-stdin': 'boolean',
      clear: 'boolean',
    },
    required: ['tenant'],
    async run(ctx) {
      const o = ctx.options;
      const given = [o['personal-number'] !== undefined, o['personal-number-stdin'] === true, o.clear === true].filter(Boolean);
      if (given.length !== 1) throw new UsageError('give exactly one of --personal-number-stdin, --personal-number and --clear');
      const { tenant, account } = await tenantAccount(ctx);
      const value =
        o.clear === true ? null : o['personal-number-stdin'] === true ? await passwordFromStdin(ctx.io) : str(o, 'personal-number');
      return ctx.services.accounts.toPublic(await ctx.operations.accounts.setPersonalNumber(ctx.caller, tenant.id, account.id, value));
    },
  },
  'user delete': {
    usage: 'idp user delete --tenant S (--email E | --id ID)',
    options: { tenant: 'string', email: 'string', id: 'string' },
    required: ['tenant'],
    async run(ctx) {
      const { tenant, account } = await tenantAccount(ctx);
      await ctx.operations.accounts.delete(ctx.caller, tenant.id, account.id);
      return { deleted: account.id };
    },
  },
};
