import os from 'node:os';
import type { Settings } from '../config/settings.js';
import type { Services } from '../services.js';
import { toPublicAccount } from '../accounts/types.js';
import { toPublicClient } from '../clients/types.js';
import { toPublicConnection } from '../federation/types.js';
import type { Actor } from '../audit/types.js';
import { rotateSigningKeys } from '../oidc/keys.js';
import { RETIRED_KEY_GRACE_SECONDS } from '../oidc/settings.js';
import { UsageError, type CliIo } from './io.js';
import { applyPolicyFlags, POLICY_FLAGS } from './policy-flags.js';

export type Options = Record<string, string | boolean | string[] | undefined>;

export interface CommandContext {
  services: Services;
  settings: Settings;
  options: Options;
  io: CliIo;
  actor: Actor;
}

export interface Command {
  usage: string;
  /** Options this command takes: `string`, `strings` (repeatable) or `boolean`. */
  options: Record<string, 'string' | 'strings' | 'boolean'>;
  required?: string[];
  run(ctx: CommandContext): Promise<unknown>;
}

export function cliActor(): Actor {
  let user = 'unknown';
  try {
    user = os.userInfo().username;
  } catch {
    // no passwd entry in some containers
  }
  return { type: 'cli', id: `${user}@${os.hostname()}` };
}

const str = (options: Options, name: string) => options[name] as string;
const list = (options: Options, name: string) => (options[name] as string[] | undefined) ?? [];

/** A secret from standard input (never a flag: flags end up in shell history and process lists). */
async function passwordFromStdin(io: CliIo): Promise<string> {
  const text = (await io.readStdin()).replace(/\r?\n$/, '');
  if (!text) throw new UsageError('standard input was empty, but a secret was expected there');
  return text;
}

async function recordCli(ctx: CommandContext, action: string, target: { type: string; id: string }, tenantId: string | null, details?: Record<string, unknown>) {
  await ctx.services.audit.record({ tenantId, actor: ctx.actor, action: `admin.${action}`, target, details });
}

export const COMMANDS: Record<string, Command> = {
  'tenant create': {
    usage: 'idp tenant create --slug S --name N [--domain D]...',
    options: { slug: 'string', name: 'string', domain: 'strings' },
    required: ['slug', 'name'],
    async run(ctx) {
      const tenant = await ctx.services.tenants.create({ slug: str(ctx.options, 'slug'), name: str(ctx.options, 'name'), domains: list(ctx.options, 'domain') });
      await recordCli(ctx, 'tenant.create', { type: 'tenant', id: tenant.id }, tenant.id, { after: tenant });
      return tenant;
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
      const tenant = await ctx.services.tenants.delete(str(ctx.options, 'tenant'));
      await recordCli(ctx, 'tenant.delete', { type: 'tenant', id: tenant.id }, tenant.id, { before: tenant });
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
      const { tenant, before, after } = await ctx.services.tenants.setPolicy(current.id, next);
      await recordCli(ctx, 'tenant.policy_update', { type: 'tenant', id: tenant.id }, tenant.id, { before, after });
      return after;
    },
  },
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
      const tenant = await ctx.services.tenants.get(str(o, 'tenant'));
      const clientSecret = await passwordFromStdin(ctx.io);
      const connection = toPublicConnection(await ctx.services.connections.create(tenant.id, {
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
      await recordCli(ctx, 'connection.create', { type: 'connection', id: connection.id }, tenant.id, { after: connection });
      return connection;
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
      const tenant = await ctx.services.tenants.get(str(ctx.options, 'tenant'));
      const connection = await ctx.services.connections.delete(tenant.id, str(ctx.options, 'id'));
      await recordCli(ctx, 'connection.delete', { type: 'connection', id: connection.id }, tenant.id, { before: toPublicConnection(connection) });
      return { deleted: connection.id };
    },
  },
  'client create': {
    usage: 'idp client create --name N --redirect-uri U... [--post-logout-redirect-uri U]... [--public] [--admin] [--first-party] [--tenant S]... [--auth-method client_secret_basic|client_secret_post]',
    options: {
      name: 'string', 'redirect-uri': 'strings', 'post-logout-redirect-uri': 'strings', public: 'boolean', admin: 'boolean',
      'first-party': 'boolean', tenant: 'strings', 'auth-method': 'string',
    },
    required: ['name'],
    async run(ctx) {
      const o = ctx.options;
      const { client, secret } = await ctx.services.clients.create({
        name: str(o, 'name'),
        redirectUris: list(o, 'redirect-uri'),
        postLogoutRedirectUris: list(o, 'post-logout-redirect-uri'),
        public: o.public === true,
        admin: o.admin === true,
        firstParty: o['first-party'] === true,
        ...(list(o, 'tenant').length ? { tenants: list(o, 'tenant') } : {}),
        ...(o['auth-method'] ? { tokenEndpointAuthMethod: str(o, 'auth-method') as 'client_secret_basic' } : {}),
      });
      await recordCli(ctx, 'client.create', { type: 'client', id: client.id }, null, { after: toPublicClient(client) });
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
      const { client, secret } = await ctx.services.clients.rotateSecret(str(ctx.options, 'id'));
      await recordCli(ctx, 'client.rotate_secret', { type: 'client', id: client.id }, null);
      return { client: toPublicClient(client), secret };
    },
  },
  'client delete': {
    usage: 'idp client delete --id C',
    options: { id: 'string' },
    required: ['id'],
    async run(ctx) {
      const client = await ctx.services.clients.delete(str(ctx.options, 'id'));
      await recordCli(ctx, 'client.delete', { type: 'client', id: client.id }, null, { before: toPublicClient(client) });
      return { deleted: client.id };
    },
  },
  'user create': {
    usage: 'idp user create --tenant S --email E [--name N] [--staff] (--password-stdin | --invite)',
    options: { tenant: 'string', email: 'string', name: 'string', staff: 'boolean', 'password-stdin': 'boolean', invite: 'boolean' },
    required: ['tenant', 'email'],
    async run(ctx) {
      const o = ctx.options;
      if ((o['password-stdin'] === true) === (o.invite === true)) {
        throw new UsageError('give exactly one of --password-stdin and --invite');
      }
      const tenant = await ctx.services.tenants.get(str(o, 'tenant'));
      const password = o['password-stdin'] ? await passwordFromStdin(ctx.io) : undefined;
      const created = await ctx.services.accounts.create(tenant.id, {
        email: str(o, 'email'), staff: o.staff === true, ...(o.name ? { name: str(o, 'name') } : {}), ...(password ? { password } : {}),
      });
      const account = toPublicAccount(created);
      await recordCli(ctx, 'account.create', { type: 'account', id: account.id }, tenant.id, { after: account });
      if (!o.invite) return account;
      const invitationSent = await ctx.services.links.sendInvitation(created, 'en');
      await recordCli(ctx, 'account.invite', { type: 'account', id: account.id }, tenant.id, { sent: invitationSent });
      if (!invitationSent) throw new UsageError('the account was created, but the invitation e-mail could not be sent; retry with: idp user invite');
      return { ...account, invitationSent };
    },
  },
  'user invite': {
    usage: 'idp user invite --tenant S --email E   (sends the registration e-mail again; the older link stops working)',
    options: { tenant: 'string', email: 'string' },
    required: ['tenant', 'email'],
    async run(ctx) {
      const tenant = await ctx.services.tenants.get(str(ctx.options, 'tenant'));
      const account = await ctx.services.accounts.getByEmail(tenant.id, str(ctx.options, 'email'));
      const invitationSent = await ctx.services.links.sendInvitation(account, 'en');
      await recordCli(ctx, 'account.invite', { type: 'account', id: account.id }, tenant.id, { sent: invitationSent, resend: true });
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
      return (await ctx.services.accounts.list(tenant.id, { limit: 100_000 })).map(toPublicAccount);
    },
  },
  'user set-password': {
    usage: 'idp user set-password --tenant S --email E --password-stdin',
    options: { tenant: 'string', email: 'string', 'password-stdin': 'boolean' },
    required: ['tenant', 'email', 'password-stdin'],
    async run(ctx) {
      const tenant = await ctx.services.tenants.get(str(ctx.options, 'tenant'));
      const account = await ctx.services.accounts.getByEmail(tenant.id, str(ctx.options, 'email'));
      const password = await passwordFromStdin(ctx.io);
      const { after } = await ctx.services.accounts.setPassword(tenant.id, account.id, password);
      await recordCli(ctx, 'account.set_password', { type: 'account', id: after.id }, tenant.id);
      return toPublicAccount(after);
    },
  },
  'user unlock': {
    usage: 'idp user unlock --tenant S --email E [--reason R]',
    options: { tenant: 'string', email: 'string', reason: 'string' },
    required: ['tenant', 'email'],
    async run(ctx) {
      const tenant = await ctx.services.tenants.get(str(ctx.options, 'tenant'));
      const account = await ctx.services.accounts.getByEmail(tenant.id, str(ctx.options, 'email'));
      const { before, after } = await ctx.services.accounts.unlock(tenant.id, account.id);
      await recordCli(ctx, 'account.unlock', { type: 'account', id: after.id }, tenant.id, {
        reason: (ctx.options.reason as string | undefined) ?? null, stateBefore: before.state, failedAttemptsBefore: before.failedAttempts,
      });
      return toPublicAccount(after);
    },
  },
  'user reset-2fa': {
    usage: 'idp user reset-2fa --tenant S --email E',
    options: { tenant: 'string', email: 'string' },
    required: ['tenant', 'email'],
    async run(ctx) {
      const tenant = await ctx.services.tenants.get(str(ctx.options, 'tenant'));
      const account = await ctx.services.accounts.getByEmail(tenant.id, str(ctx.options, 'email'));
      const result = await ctx.services.mfa.disable(account.id);
      await recordCli(ctx, 'account.mfa_reset', { type: 'account', id: account.id }, tenant.id, { hadFactor: account.totp !== null });
      if (account.totp) await ctx.services.notices.sendFactorChanged(account, 'mfa_reset', 'en');
      return toPublicAccount(result?.after ?? account);
    },
  },
  'user delete': {
    usage: 'idp user delete --tenant S --email E',
    options: { tenant: 'string', email: 'string' },
    required: ['tenant', 'email'],
    async run(ctx) {
      const tenant = await ctx.services.tenants.get(str(ctx.options, 'tenant'));
      const account = await ctx.services.accounts.getByEmail(tenant.id, str(ctx.options, 'email'));
      await ctx.services.accounts.delete(tenant.id, account.id);
      await recordCli(ctx, 'account.delete', { type: 'account', id: account.id }, tenant.id, { before: toPublicAccount(account) });
      return { deleted: account.id };
    },
  },
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
