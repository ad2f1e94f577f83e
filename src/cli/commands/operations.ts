import { rotateSigningKeys } from '../../oidc/keys.js';
import { RETIRED_KEY_GRACE_SECONDS } from '../../oidc/settings.js';
import { UsageError } from '../io.js';
import { str, type Command } from './common.js';

/** `idp keys …` and `idp audit …`. */
export const OPERATION_COMMANDS: Record<string, Command> = {
  'keys rotate': {
    usage: 'idp keys rotate   (new keys sign after the next server start; old public keys stay published)',
    options: {},
    async run(ctx) {
      const result = await rotateSigningKeys(ctx.settings.keysDir, RETIRED_KEY_GRACE_SECONDS);
      await ctx.services.audit.record({ actor: ctx.actor, action: 'admin.keys.rotate', details: result });
      return result;
    },
  },
  'audit list': {
    usage: 'idp audit list [--tenant S] [--action A] [--limit N]',
    options: { tenant: 'string', action: 'string', limit: 'string' },
    async run(ctx) {
      const o = ctx.options;
      const limit = o.limit ? Number(o.limit) : 50;
      if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new UsageError('--limit must be a whole number from 1 to 10000');
      const tenantId = o.tenant ? (await ctx.services.tenants.get(str(o, 'tenant'))).id : undefined;
      return ctx.services.audit.list({ tenantId, action: o.action as string | undefined, limit });
    },
  },
};
