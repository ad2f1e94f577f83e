import { UsageError } from '../io.js';
import { str, list, type Command, type Options } from './common.js';

function ttl(options: Options): number | undefined {
  if (options['token-ttl'] === undefined) return undefined;
  const seconds = Number(options['token-ttl']);
  if (!Number.isInteger(seconds)) throw new UsageError('--token-ttl takes a whole number of seconds');
  return seconds;
}

/** `idp api …`: APIs (resource servers) that clients get access tokens for. */
export const API_COMMANDS: Record<string, Command> = {
  'api create': {
    usage: 'idp api create --identifier URI --scope S... [--name N] [--tenant S] [--token-format jwt|opaque] [--token-ttl SECONDS]',
    options: { identifier: 'string', scope: 'strings', name: 'string', tenant: 'string', 'token-format': 'string', 'token-ttl': 'string' },
    required: ['identifier', 'scope'],
    run: (ctx) => {
      const o = ctx.options;
      return ctx.operations.apis.create(ctx.caller, {
        identifier: str(o, 'identifier'),
        scopes: list(o, 'scope'),
        ...(o.name ? { name: str(o, 'name') } : {}),
        ...(o.tenant ? { tenant: str(o, 'tenant') } : {}),
        ...(o['token-format'] ? { tokenFormat: str(o, 'token-format') as 'jwt' } : {}),
        ...(ttl(o) !== undefined ? { tokenTtlSeconds: ttl(o) } : {}),
      });
    },
  },
  'api list': {
    usage: 'idp api list',
    options: {},
    run: (ctx) => ctx.services.apis.list({ limit: 10_000 }),
  },
  'api update': {
    usage: 'idp api update --id ID|URI [--scope S]... [--name N] [--token-format jwt|opaque] [--token-ttl SECONDS]',
    options: { id: 'string', scope: 'strings', name: 'string', 'token-format': 'string', 'token-ttl': 'string' },
    required: ['id'],
    run: (ctx) => {
      const o = ctx.options;
      return ctx.operations.apis.update(ctx.caller, str(o, 'id'), {
        ...(list(o, 'scope').length ? { scopes: list(o, 'scope') } : {}),
        ...(o.name ? { name: str(o, 'name') } : {}),
        ...(o['token-format'] ? { tokenFormat: str(o, 'token-format') as 'jwt' } : {}),
        ...(ttl(o) !== undefined ? { tokenTtlSeconds: ttl(o) } : {}),
      });
    },
  },
  'api delete': {
    usage: 'idp api delete --id ID|URI',
    options: { id: 'string' },
    required: ['id'],
    async run(ctx) {
      const api = await ctx.operations.apis.delete(ctx.caller, str(ctx.options, 'id'));
      return { deleted: api.id };
    },
  },
};
