import { applyPolicyFlags, POLICY_FLAGS } from '../policy-flags.js';
import { UsageError } from '../io.js';
import { str, list, type Command } from './common.js';

/** `idp tenant …`: tenants and their policy. */
export const TENANT_COMMANDS: Record<string, Command> = {
  'tenant create': {
    usage: 'idp tenant create --slug S --name N [--domain D]...',
    options: { slug: 'string', name: 'string', domain: 'strings' },
    required: ['slug', 'name'],
    async run(ctx) {
      return ctx.operations.tenants.create(ctx.caller, { slug: str(ctx.options, 'slug'), name: str(ctx.options, 'name'), domains: list(ctx.options, 'domain') });
    },
  },
  'tenant list': {
    usage: 'idp tenant list',
    options: {},
    async run(ctx) {
      return ctx.services.tenants.list({ limit: 10_000 });
    },
  },
  'tenant get': {
    usage: 'idp tenant get --tenant S',
    options: { tenant: 'string' },
    required: ['tenant'],
    run: (ctx) => ctx.services.tenants.get(str(ctx.options, 'tenant')),
  },
  'tenant delete': {
    usage: 'idp tenant delete --tenant S --yes   (deletes the tenant and all its accounts)',
    options: { tenant: 'string', yes: 'boolean' },
    required: ['tenant'],
    async run(ctx) {
      if (ctx.options.yes !== true) throw new UsageError('deleting a tenant removes all its accounts; add --yes to confirm');
      const tenant = await ctx.operations.tenants.delete(ctx.caller, str(ctx.options, 'tenant'));
      return { deleted: tenant.slug };
    },
  },
  'tenant policy get': {
    usage: 'idp tenant policy get --tenant S',
    options: { tenant: 'string' },
    required: ['tenant'],
    run: async (ctx) => (await ctx.services.tenants.get(str(ctx.options, 'tenant'))).policy,
  },
  'tenant policy set': {
    usage: `idp tenant policy set --tenant S [--${POLICY_FLAGS.map((f) => f.flag).join(' N] [--')} N]   (changes only what is given)`,
    options: { tenant: 'string', ...Object.fromEntries(POLICY_FLAGS.map((f) => [f.flag, 'string' as const])) },
    required: ['tenant'],
    async run(ctx) {
      const current = await ctx.services.tenants.get(str(ctx.options, 'tenant'));
      const next = applyPolicyFlags(current.policy, ctx.options);
      return ctx.operations.tenants.setPolicy(ctx.caller, current.id, next);
    },
  },
};
