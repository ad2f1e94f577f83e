import { toPublicClient } from '../../clients/types.js';
import type { ClientUpdateInput } from '../../clients/schema.js';
import { UsageError } from '../io.js';
import { str, list, type Command, type Options } from './common.js';

const LOGOUT_OPTIONS = {
  'backchannel-logout-uri': 'string',
  'backchannel-logout-session-required': 'boolean',
  'frontchannel-logout-uri': 'string',
  'frontchannel-logout-session-required': 'boolean',
  'device-flow': 'boolean',
} as const;

const LOGOUT_USAGE =
  '[--backchannel-logout-uri U [--backchannel-logout-session-required]] [--frontchannel-logout-uri U [--frontchannel-logout-session-required]] [--device-flow]';

/** The session-ending and device-grant flags that were given (an empty URI removes one, on update). */
function logoutSettings(o: Options): Partial<ClientUpdateInput> {
  const uri = (name: string) => (o[name] === undefined ? undefined : str(o, name) === '' ? null : str(o, name));
  const flag = (name: string) => {
    const value = o[name];
    if (value === undefined) return undefined;
    if (value === true || value === 'true') return true;
    if (value === 'false') return false;
    throw new UsageError(`--${name} takes true or false`);
  };
  const settings: Partial<ClientUpdateInput> = {
    backchannelLogoutUri: uri('backchannel-logout-uri'),
    backchannelLogoutSessionRequired: flag('backchannel-logout-session-required'),
    frontchannelLogoutUri: uri('frontchannel-logout-uri'),
    frontchannelLogoutSessionRequired: flag('frontchannel-logout-session-required'),
    deviceFlow: flag('device-flow'),
  };
  return Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== undefined));
}

/** `idp client …`: relying applications. */
export const CLIENT_COMMANDS: Record<string, Command> = {
  'client create': {
    usage:
      'idp client create --name N --redirect-uri U... [--post-logout-redirect-uri U]... [--public] [--admin] [--first-party] [--tenant S]... [--auth-method client_secret_basic|client_secret_post] [--pkce-optional] ' +
      LOGOUT_USAGE,
    options: {
      name: 'string',
      'redirect-uri': 'strings',
      'post-logout-redirect-uri': 'strings',
      public: 'boolean',
      admin: 'boolean',
      'first-party': 'boolean',
      tenant: 'strings',
      'auth-method': 'string',
      'pkce-optional': 'boolean',
      ...LOGOUT_OPTIONS,
    },
    required: ['name'],
    async run(ctx) {
      const o = ctx.options;
      const { client, secret } = await ctx.operations.clients.create(ctx.caller, {
        name: str(o, 'name'),
        redirectUris: list(o, 'redirect-uri'),
        postLogoutRedirectUris: list(o, 'post-logout-redirect-uri'),
        public: o.public === true,
        admin: o.admin === true,
        firstParty: o['first-party'] === true,
        requirePkce: o['pkce-optional'] !== true,
        ...(list(o, 'tenant').length ? { tenants: list(o, 'tenant') } : {}),
        ...(o['auth-method'] ? { tokenEndpointAuthMethod: str(o, 'auth-method') as 'client_secret_basic' } : {}),
        ...(logoutSettings(o) as object),
      });
      return { client: toPublicClient(client), secret };
    },
  },
  'client update': {
    usage:
      'idp client update --id C [--backchannel-logout-uri U|""] [--backchannel-logout-session-required true|false] ' +
      '[--frontchannel-logout-uri U|""] [--frontchannel-logout-session-required true|false] [--device-flow true|false]',
    // On update every switch takes a value, so it can be turned off too; an empty URI removes it.
    options: {
      id: 'string',
      'backchannel-logout-uri': 'string',
      'backchannel-logout-session-required': 'string',
      'frontchannel-logout-uri': 'string',
      'frontchannel-logout-session-required': 'string',
      'device-flow': 'string',
    },
    required: ['id'],
    async run(ctx) {
      return toPublicClient(await ctx.operations.clients.update(ctx.caller, str(ctx.options, 'id'), logoutSettings(ctx.options)));
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
