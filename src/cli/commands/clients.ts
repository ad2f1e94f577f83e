import { readFile } from 'node:fs/promises';
import { toPublicClient } from '../../clients/types.js';
import type { ClientCreateInput, ClientUpdateInput } from '../../clients/schema.js';
import { UsageError } from '../io.js';
import { str, list, type Command, type Options } from './common.js';

/** `--api URI --scope S`: every scope given is granted on every API given. */
function apiGrants(o: Options): { api: string; scopes: string[] }[] | undefined {
  const apis = list(o, 'api');
  if (apis.length === 0) {
    if (list(o, 'scope').length) throw new UsageError('--scope needs --api (the API whose scopes they are)');
    return undefined;
  }
  if (list(o, 'scope').length === 0) throw new UsageError('--api needs at least one --scope');
  return apis.map((api) => ({ api, scopes: list(o, 'scope') }));
}

async function jwksFile(o: Options): Promise<ClientCreateInput['jwks']> {
  if (!o['jwks-file']) return undefined;
  const file = str(o, 'jwks-file');
  try {
    return JSON.parse(await readFile(file, 'utf8')) as ClientCreateInput['jwks'];
  } catch (error) {
    throw new UsageError(`cannot read a JSON key set from ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

function onOff(o: Options, name: string): boolean | undefined {
  const value = o[name];
  if (value === undefined) return undefined;
  if (value === 'on' || value === 'off') return value === 'on';
  throw new UsageError(`--${name} takes on or off`);
}

const OAUTH_USAGE =
  '[--auth-method client_secret_basic|client_secret_post|client_secret_jwt|private_key_jwt] [--jwks-file F | --jwks-uri U] [--api URI... --scope S...] [--introspect URI]... [--require-par] [--dpop] [--pairwise]';

/** `idp client …`: relying applications and service clients. */
export const CLIENT_COMMANDS: Record<string, Command> = {
  'client create': {
    usage:
      'idp client create --name N --redirect-uri U... [--post-logout-redirect-uri U]... [--public] [--admin] [--first-party] [--tenant S]... [--pkce-optional] ' +
      `${OAUTH_USAGE}\n       idp client create --service --name N --api URI --scope S... [--tenant S] [--auth-method …] [--jwks-file F] [--dpop]\n       idp client create --service --name N --introspect URI  (an API checking opaque tokens)`,
    options: {
      name: 'string',
      'redirect-uri': 'strings',
      'post-logout-redirect-uri': 'strings',
      public: 'boolean',
      admin: 'boolean',
      service: 'boolean',
      'first-party': 'boolean',
      tenant: 'strings',
      'auth-method': 'string',
      'pkce-optional': 'boolean',
      'jwks-file': 'string',
      'jwks-uri': 'string',
      api: 'strings',
      scope: 'strings',
      introspect: 'strings',
      'require-par': 'boolean',
      dpop: 'boolean',
      pairwise: 'boolean',
    },
    required: ['name'],
    async run(ctx) {
      const o = ctx.options;
      const jwks = await jwksFile(o);
      const apis = apiGrants(o);
      const { client, secret } = await ctx.operations.clients.create(ctx.caller, {
        name: str(o, 'name'),
        redirectUris: list(o, 'redirect-uri'),
        postLogoutRedirectUris: list(o, 'post-logout-redirect-uri'),
        public: o.public === true,
        admin: o.admin === true,
        service: o.service === true,
        firstParty: o['first-party'] === true,
        requirePkce: o['pkce-optional'] !== true,
        requirePushedAuthorizationRequests: o['require-par'] === true,
        dpopBoundAccessTokens: o.dpop === true,
        subjectType: o.pairwise === true ? 'pairwise' : 'public',
        ...(apis ? { apis } : {}),
        ...(list(o, 'introspect').length ? { introspects: list(o, 'introspect') } : {}),
        ...(jwks ? { jwks } : {}),
        ...(o['jwks-uri'] ? { jwksUri: str(o, 'jwks-uri') } : {}),
        ...(list(o, 'tenant').length ? { tenants: list(o, 'tenant') } : {}),
        ...(o['auth-method'] ? { tokenEndpointAuthMethod: str(o, 'auth-method') as 'client_secret_basic' } : {}),
      });
      return { client: toPublicClient(client), secret };
    },
  },
  'client update': {
    usage:
      'idp client update --id C [--name N] [--api URI... --scope S...] [--jwks-file F | --jwks-uri U] [--require-par on|off] [--dpop on|off] [--subject-type public|pairwise] [--auth-method client_secret_basic|client_secret_post]',
    options: {
      id: 'string',
      name: 'string',
      api: 'strings',
      scope: 'strings',
      'jwks-file': 'string',
      'jwks-uri': 'string',
      'require-par': 'string',
      dpop: 'string',
      'subject-type': 'string',
      'auth-method': 'string',
    },
    required: ['id'],
    async run(ctx) {
      const o = ctx.options;
      const jwks = await jwksFile(o);
      const apis = apiGrants(o);
      const par = onOff(o, 'require-par');
      const dpop = onOff(o, 'dpop');
      const change: ClientUpdateInput = {
        ...(o.name ? { name: str(o, 'name') } : {}),
        ...(apis ? { apis } : {}),
        ...(jwks ? { jwks } : {}),
        ...(o['jwks-uri'] ? { jwksUri: str(o, 'jwks-uri') } : {}),
        ...(par === undefined ? {} : { requirePushedAuthorizationRequests: par }),
        ...(dpop === undefined ? {} : { dpopBoundAccessTokens: dpop }),
        ...(o['subject-type'] ? { subjectType: str(o, 'subject-type') as 'public' } : {}),
        ...(o['auth-method'] ? { tokenEndpointAuthMethod: str(o, 'auth-method') as 'client_secret_basic' } : {}),
      };
      return toPublicClient(await ctx.operations.clients.update(ctx.caller, str(o, 'id'), change));
    },
  },
  'client list': {
    usage: 'idp client list',
    options: {},
    run: async (ctx) => (await ctx.services.clients.list({ limit: 10_000 })).map(toPublicClient),
  },
  'client rotate-secret': {
    usage: 'idp client rotate-secret --id C',
    options: { id: 'string' },
    required: ['id'],
    async run(ctx) {
      const { client, secret } = await ctx.operations.clients.rotateSecret(ctx.caller, str(ctx.options, 'id'));
      return { client: toPublicClient(client), secret };
    },
  },
  'client delete': {
    usage: 'idp client delete --id C',
    options: { id: 'string' },
    required: ['id'],
    async run(ctx) {
      const client = await ctx.operations.clients.delete(ctx.caller, str(ctx.options, 'id'));
      return { deleted: client.id };
    },
  },
};
