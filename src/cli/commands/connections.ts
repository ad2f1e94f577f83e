import { toPublicConnection } from '../../federation/types.js';
import { str, list, passwordFromStdin, type Command } from './common.js';

/** `idp connection …`: upstream identity providers. */
export const CONNECTION_COMMANDS: Record<string, Command> = {
  'connection create': {
    usage: 'idp connection create --tenant S --kind entra|google|oidc --name N --client-id ID --client-secret-stdin [--issuer URL] '
      + '[--entra-tenant TID]... [--google-domain D]... [--scope S]... [--first-sign-in link|create|refuse] [--trust-upstream-mfa]',
    options: {
      tenant: 'string', kind: 'string', name: 'string', 'client-id': 'string', 'client-secret-stdin': 'boolean', issuer: 'string',
      'entra-tenant': 'strings', 'google-domain': 'strings', scope: 'strings', 'first-sign-in': 'string', 'trust-upstream-mfa': 'boolean',
    },
    required: ['tenant', 'kind', 'name', 'client-id', 'client-secret-stdin'],
    async run(ctx) {
      const o = ctx.options;
      const clientSecret = await passwordFromStdin(ctx.io);
      return toPublicConnection(await ctx.operations.connections.create(ctx.caller, str(o, 'tenant'), {
        kind: str(o, 'kind') as 'oidc',
        name: str(o, 'name'),
        clientId: str(o, 'client-id'),
        clientSecret,
        ...(o.issuer ? { issuer: str(o, 'issuer') } : {}),
        allowedEntraTenants: list(o, 'entra-tenant'),
        allowedGoogleDomains: list(o, 'google-domain'),
        ...(list(o, 'scope').length ? { scopes: list(o, 'scope') } : {}),
        ...(o['first-sign-in'] ? { firstSignIn: str(o, 'first-sign-in') as 'link' } : {}),
        trustUpstreamMfa: o['trust-upstream-mfa'] === true,
      }));
    },
  },
  'connection list': {
    usage: 'idp connection list --tenant S',
    options: { tenant: 'string' },
    required: ['tenant'],
    async run(ctx) {
      const tenant = await ctx.services.tenants.get(str(ctx.options, 'tenant'));
      return (await ctx.services.connections.list(tenant.id)).map(toPublicConnection);
    },
  },
  'connection delete': {
    usage: 'idp connection delete --tenant S --id C',
    options: { tenant: 'string', id: 'string' },
    required: ['tenant', 'id'],
    async run(ctx) {
      const connection = await ctx.operations.connections.delete(ctx.caller, str(ctx.options, 'tenant'), str(ctx.options, 'id'));
      return { deleted: connection.id };
    },
  },
};
