import { toPublicConnection } from '../../federation/types.js';
import { readFile } from 'node:fs/promises';
import { UsageError } from '../io.js';
import { str, list, passwordFromStdin, type Command } from './common.js';

/** A file named on the command line, with a clear message when it cannot be read. */
async function readInput(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

/** `idp connection …`: upstream identity providers. */
export const CONNECTION_COMMANDS: Record<string, Command> = {
  'connection create': {
    usage:
      'idp connection create --tenant S --kind entra|google|oidc --name N --client-id ID --client-secret-stdin [--issuer URL] ' +
      '[--entra-tenant TID]... [--google-domain D]... [--scope S]... [--first-sign-in link|create|refuse] [--trust-upstream-mfa]\n' +
      '       idp connection create --tenant S --kind saml --name N (--metadata-url U | --metadata-file F | --entity-id E --sso-url U --certificate-file F...) ' +
      '[--slo-url U] [--sso-binding redirect|post] [--require-encrypted-assertions] [--subject-attribute A] [--email-attribute A] [--name-attribute A] ' +
      '[--email-verified] [--first-sign-in link|create|refuse] [--allow-sha1]\n' +
      '       idp connection create --tenant S --kind grandid --name N --base-url U --service-key K --api-key-stdin [--first-sign-in link|create|refuse]',
    options: {
      tenant: 'string',
      kind: 'string',
      name: 'string',
      'client-id': 'string',
      'client-secret-stdin': 'boolean',
      issuer: 'string',
      'entra-tenant': 'strings',
      'google-domain': 'strings',
      scope: 'strings',
      'first-sign-in': 'string',
      'trust-upstream-mfa': 'boolean',
      'metadata-url': 'string',
      'metadata-file': 'string',
      'entity-id': 'string',
      'sso-url': 'string',
      'certificate-file': 'strings',
      'subject-attribute': 'string',
      'email-attribute': 'string',
      'name-attribute': 'string',
      'email-verified': 'boolean',
      'allow-sha1': 'boolean',
      'sso-binding': 'string',
      'slo-url': 'string',
      'require-encrypted-assertions': 'boolean',
      'base-url': 'string',
      'service-key': 'string',
      'api-key-stdin': 'boolean',
    },
    required: ['tenant', 'kind', 'name'],
    async run(ctx) {
      const o = ctx.options;
      const common = {
        name: str(o, 'name'),
        ...(o['first-sign-in'] ? { firstSignIn: str(o, 'first-sign-in') as 'link' } : {}),
        trustUpstreamMfa: o['trust-upstream-mfa'] === true,
      };
      if (str(o, 'kind') === 'saml') {
        const certificates = await Promise.all(list(o, 'certificate-file').map((file) => readInput(file)));
        return toPublicConnection(
          await ctx.operations.connections.create(ctx.caller, str(o, 'tenant'), {
            kind: 'saml',
            ...common,
            ...(o['metadata-url'] ? { metadataUrl: str(o, 'metadata-url') } : {}),
            ...(o['metadata-file'] ? { metadataXml: await readInput(str(o, 'metadata-file')) } : {}),
            ...(o['entity-id'] ? { entityId: str(o, 'entity-id') } : {}),
            ...(o['sso-url'] ? { ssoUrl: str(o, 'sso-url') } : {}),
            ...(certificates.length ? { certificates } : {}),
            ...(o['sso-binding'] ? { ssoBinding: str(o, 'sso-binding') as 'post' } : {}),
            ...(o['slo-url'] ? { sloUrl: str(o, 'slo-url') } : {}),
            requireEncryptedAssertions: o['require-encrypted-assertions'] === true,
            attributes: {
              subject: o['subject-attribute'] ? str(o, 'subject-attribute') : null,
              email: o['email-attribute'] ? str(o, 'email-attribute') : 'email',
              name: o['name-attribute'] ? str(o, 'name-attribute') : 'name',
            },
            emailVerified: o['email-verified'] === true,
            allowSha1: o['allow-sha1'] === true,
          }),
        );
      }
      if (str(o, 'kind') === 'grandid') {
        for (const name of ['base-url', 'service-key', 'api-key-stdin']) {
          if (o[name] === undefined) throw new UsageError(`--${name} is required for --kind grandid`);
        }
        const apiKey = await passwordFromStdin(ctx.io);
        return toPublicConnection(
          await ctx.operations.connections.create(ctx.caller, str(o, 'tenant'), {
            kind: 'grandid',
            ...common,
            baseUrl: str(o, 'base-url'),
            serviceKey: str(o, 'service-key'),
            apiKey,
          }),
        );
      }
      for (const name of ['client-id', 'client-secret-stdin']) {
        if (o[name] === undefined) throw new UsageError(`--${name} is required for --kind ${str(o, 'kind')}`);
      }
      const clientSecret = await passwordFromStdin(ctx.io);
      return toPublicConnection(
        await ctx.operations.connections.create(ctx.caller, str(o, 'tenant'), {
          kind: str(o, 'kind') as 'oidc',
          ...common,
          clientId: str(o, 'client-id'),
          clientSecret,
          ...(o.issuer ? { issuer: str(o, 'issuer') } : {}),
          allowedEntraTenants: list(o, 'entra-tenant'),
          allowedGoogleDomains: list(o, 'google-domain'),
          ...(list(o, 'scope').length ? { scopes: list(o, 'scope') } : {}),
        }),
      );
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
