import { OPERATORS_TENANT_SLUG } from '../../config/defaults.js';
import { ROLES, type RoleName } from '../../roles/types.js';
import { UsageError } from '../io.js';
import { str, type Command, type CommandContext } from './common.js';

function roleOption(ctx: CommandContext): RoleName {
  const role = str(ctx.options, 'role');
  if (!(ROLES as readonly string[]).includes(role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
  return role as RoleName;
}

/** The account named by --email in --account-tenant (the operators' tenant unless named). */
async function roleHolder(ctx: CommandContext) {
  const tenant = await ctx.services.tenants.get((ctx.options['account-tenant'] as string | undefined) ?? OPERATORS_TENANT_SLUG);
  const account = await ctx.services.accounts.getByEmail(tenant.id, str(ctx.options, 'email'));
  return { tenant, account };
}

async function changeRole(ctx: CommandContext, grant: boolean) {
  const { tenant, account } = await roleHolder(ctx);
  const role = roleOption(ctx);
  const roleTenant = ctx.options.tenant ? (await ctx.services.tenants.get(str(ctx.options, 'tenant'))).id : null;
  const held = await ctx.services.roles.rolesOf(account.id);
  const same = (r: { role: string; tenantId: string | null }) => r.role === role && r.tenantId === roleTenant;
  const next = grant ? (held.some(same) ? held : [...held, { role, tenantId: roleTenant }]) : held.filter((r) => !same(r));
  const roles = await ctx.operations.roles.set(ctx.caller, tenant.id, account.id, {
    roles: next.map((r) => ({ role: r.role, tenant: r.tenantId })),
  });
  return { account: account.id, email: account.email, tenant: tenant.slug, roles };
}

const ROLE_OPTIONS = { email: 'string', role: 'string', tenant: 'string', 'account-tenant': 'string' } as const;

/** `idp operator …`: the operators' tenant, staff and administrator roles. */
export const OPERATOR_COMMANDS: Record<string, Command> = {
  'operator bootstrap': {
    usage:
      "idp operator bootstrap --email E [--name N]   (the operators' tenant, requiring 2FA, and a staff super-admin invited by e-mail; safe to run again)",
    options: { email: 'string', name: 'string' },
    required: ['email'],
    async run(ctx) {
      const result = await ctx.operations.operators.bootstrap(ctx.caller, {
        email: str(ctx.options, 'email'),
        ...(ctx.options.name ? { name: str(ctx.options, 'name') } : {}),
      });
      if (result.account.state === 'invited' && !result.invitationSent)
        throw new UsageError('the staff account is ready, but the invitation e-mail could not be sent; run the same command again');
      return result;
    },
  },
  'operator grant-role': {
    usage:
      "idp operator grant-role --email E --role super-admin|tenant-admin|helpdesk|auditor [--tenant S] [--account-tenant A]   (A: the account's tenant, default operators; S: the tenant the role covers)",
    options: ROLE_OPTIONS,
    required: ['email', 'role'],
    run: (ctx) => changeRole(ctx, true),
  },
  'operator revoke-role': {
    usage: 'idp operator revoke-role --email E --role R [--tenant S] [--account-tenant A]',
    options: ROLE_OPTIONS,
    required: ['email', 'role'],
    run: (ctx) => changeRole(ctx, false),
  },
  'operator roles': {
    usage: 'idp operator roles --email E [--account-tenant A]',
    options: { email: 'string', 'account-tenant': 'string' },
    required: ['email'],
    async run(ctx) {
      const { tenant, account } = await roleHolder(ctx);
      return { account: account.id, email: account.email, tenant: tenant.slug, roles: await ctx.services.roles.rolesOf(account.id) };
    },
  },
};
