import { toPublicClient } from '../../clients/types.js';
import { str, list, type Command } from './common.js';

/** `idp client …`: relying applications. */
export const CLIENT_COMMANDS: Record<string, Command> = {
  'client create': {
    usage:
      'idp client create --name N --redirect-uri U... [--post-logout-redirect-uri U]... [--public] [--admin [--role super-admin|tenant-admin|helpdesk|auditor]] [--first-party] [--tenant S]... [--auth-method client_secret_basic|client_secret_post] [--pkce-optional]',
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
      role: 'string',
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
        // With --role, --tenant names the tenants the admin role covers; otherwise whose people may sign in.
        ...(list(o, 'tenant').length ? (o.role ? { adminTenants: list(o, 'tenant') } : { tenants: list(o, 'tenant') }) : {}),
        ...(o.role ? { adminRole: str(o, 'role') as 'super-admin' } : {}),
        ...(o['auth-method'] ? { tokenEndpointAuthMethod: str(o, 'auth-method') as 'client_secret_basic' } : {}),
      });
      return { client: toPublicClient(client), secret };
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
