import { chmodSync, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../io.js';
import { Failed, str, streamLines, timeOption, type Command } from './common.js';

const PAGE = 500;

/** `idp keys …`, `idp encryption …` and `idp audit …`. */
export const OPERATION_COMMANDS: Record<string, Command> = {
  backup: {
    usage: 'idp backup --to FILE   (a consistent copy of the embedded store while servers keep running; MongoDB: use its own tools)',
    options: { to: 'string' },
    required: ['to'],
    async run(ctx) {
      const destination = path.resolve(str(ctx.options, 'to'));
      if (!ctx.storage.backup) throw new UsageError('the store is MongoDB: back it up with its own tools (mongodump --oplog, snapshots)');
      if (existsSync(destination)) throw new UsageError(`${destination} exists already; name a new file`);
      const { pages } = await ctx.storage.backup(destination);
      // The copy holds what the store holds: private to the service's user, like the store.
      chmodSync(destination, 0o600);
      const bytes = statSync(destination).size;
      await ctx.services.audit.record({ actor: ctx.caller.actor, action: 'admin.backup', details: { file: destination, pages, bytes } });
      return { file: destination, pages, bytes };
    },
  },
  'keys rotate': {
    usage:
      'idp keys rotate   (new keys are published at once and sign after KEY_PUBLISH_DELAY_SECONDS; running servers pick them up, old keys stay published)',
    options: {},
    run: (ctx) => ctx.operations.keys.rotate(ctx.caller),
  },
  'keys list': {
    usage: 'idp keys list   (each signing key: next, current or retiring, with its dates)',
    options: {},
    run: (ctx) => ctx.operations.keys.list(),
  },
  'encryption reseal': {
    usage: 'idp encryption reseal   (after putting a new key first in ENCRYPTION_KEYS: seal every secret with it)',
    options: {},
    async run(ctx) {
      const counts = { totpSecrets: 0, connectionSecrets: 0, personalNumbers: 0, personalNumberKey: 0 };
      if (await ctx.services.personalNumbers.resealKey()) counts.personalNumberKey = 1;
      for (let after: string | undefined; ;) {
        const tenants = await ctx.services.tenants.list({ limit: PAGE, after });
        for (const tenant of tenants) {
          for (const connection of await ctx.services.connections.list(tenant.id)) {
            if (await ctx.services.connections.resealSecret(connection)) counts.connectionSecrets += 1;
          }
          for (let accountsAfter: string | undefined; ;) {
            const accounts = await ctx.services.accounts.list(tenant.id, { limit: PAGE, after: accountsAfter });
            for (const account of accounts) {
              if (account.totp && (await ctx.services.mfa.resealSecret(account.id))) counts.totpSecrets += 1;
              if (account.personalNumber && (await ctx.services.accounts.resealPersonalNumber(account.id))) counts.personalNumbers += 1;
            }
            if (accounts.length < PAGE) break;
            accountsAfter = accounts[accounts.length - 1]!.id;
          }
        }
        if (tenants.length < PAGE) break;
        after = tenants[tenants.length - 1]!.id;
      }
      await ctx.services.audit.record({ actor: ctx.caller.actor, action: 'admin.encryption.reseal', details: counts });
      return counts;
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
  'audit verify': {
    usage:
      'idp audit verify [--tenant S] [--anchor FILE]   (checks the hash chains; exits 1 naming the first broken link; the anchor defaults to AUDIT_ANCHOR_FILE)',
    options: { tenant: 'string', anchor: 'string' },
    async run(ctx) {
      const report = await ctx.operations.audit.verify(ctx.options.tenant as string | undefined, ctx.options.anchor as string | undefined);
      return report.valid ? report : new Failed(report);
    },
  },
  'audit anchor': {
    usage: 'idp audit anchor [--file FILE]   (records the head of every chain in the log and in FILE, default AUDIT_ANCHOR_FILE)',
    options: { file: 'string' },
    run: (ctx) => ctx.operations.audit.anchor(ctx.options.file as string | undefined),
  },
  'audit export': {
    usage: 'idp audit export [--tenant S] [--since T] [--until T]   (JSON Lines, one event a line, newest first)',
    options: { tenant: 'string', since: 'string', until: 'string' },
    run: (ctx) =>
      streamLines(
        ctx.io,
        ctx.operations.audit.exportLines(ctx.options.tenant as string | undefined, {
          since: timeOption(ctx.options, 'since'),
          until: timeOption(ctx.options, 'until'),
        }),
      ),
  },
};
