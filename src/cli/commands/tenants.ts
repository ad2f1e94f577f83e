import { applyPolicyFlags, POLICY_FLAGS } from '../policy-flags.js';
import { UsageError } from '../io.js';
import { str, list, streamLines, type Command } from './common.js';

/** `idp tenant …`: tenants and their policy. */
export const TENANT_COMMANDS: Record<string, Command> = {
  'tenant create': {
    usage: 'idp tenant create --slug S --name N [--domain D]...',
    options: { slug: 'string', name: 'string', domain: 'strings' },
    required: ['slug', 'name'],
    async run(ctx) {
      return ctx.operations.tenants.create(ctx.caller, {
        slug: str(ctx.options, 'slug'),
        name: str(ctx.options, 'name'),
        domains: list(ctx.options, 'domain'),
      });
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
    usage:
      'idp tenant delete --tenant S [--grace-days N] --yes   (schedules the deletion: everything stops now, data is purged after N days, default 30; --now purges at once)',
    options: { tenant: 'string', yes: 'boolean', 'grace-days': 'string', now: 'boolean' },
    required: ['tenant'],
    async run(ctx) {
      if (ctx.options.yes !== true)
        throw new UsageError('deleting a tenant stops all its accounts and purges them later; add --yes to confirm');
      if (ctx.options.now === true) {
        if (ctx.options['grace-days'] !== undefined) throw new UsageError('--now and --grace-days exclude each other');
        return ctx.operations.tenants.purgeNow(ctx.caller, str(ctx.options, 'tenant'));
      }
      const days = ctx.options['grace-days'] as string | undefined;
      const graceDays = days === undefined ? undefined : /^\d{1,4}$/.test(days) ? Number(days) : Number.NaN;
      if (Number.isNaN(graceDays)) throw new UsageError('--grace-days must be a whole number of days from 0 to 180');
      const tenant = await ctx.operations.tenants.delete(ctx.caller, str(ctx.options, 'tenant'), { graceDays });
      return { scheduled: tenant.slug, purgeAfter: tenant.purgeAfter };
    },
  },
  'tenant export': {
    usage: 'idp tenant export --tenant S > file.jsonl   (everything the tenant owns, as JSON Lines; no secrets)',
    options: { tenant: 'string' },
    required: ['tenant'],
    run: async (ctx) => streamLines(ctx.io, await ctx.operations.tenantExport.start(ctx.caller, str(ctx.options, 'tenant'))),
  },
  'tenant restore': {
    usage: 'idp tenant restore --tenant S   (cancels a scheduled deletion within its grace period)',
    options: { tenant: 'string' },
    required: ['tenant'],
    run: (ctx) => ctx.operations.tenants.restore(ctx.caller, str(ctx.options, 'tenant')),
  },
  purge: {
    usage: 'idp purge --due   (purges every tenant whose grace period has passed; safe to run from cron on any node)',
    options: { due: 'boolean' },
    required: ['due'],
    async run(ctx) {
      return { purged: await ctx.operations.tenants.purgeDue() };
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
