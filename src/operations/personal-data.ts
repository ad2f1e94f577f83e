import type { Account } from '../accounts/types.js';
import type { AuditEvent } from '../audit/types.js';
import type { Services } from '../services.js';
import type { Tenant } from '../tenants/types.js';

/** The format of a person's own data download, named in it. */
export const PERSONAL_DATA_FORMAT = 'idp-personal-data/1';

/**
 * What "My profile" hands a person about themselves (GDPR art. 15 and 20): their profile, the
 * upstream identities linked to them, their 2FA status, and every audit event they did or that
 * was done to them. Never a password hash, TOTP seed or recovery code.
 */
export async function personalData(services: Services, account: Account, tenant: Tenant) {
  const events = new Map<string, AuditEvent>();
  for (const query of [{ actorId: account.id }, { targetId: account.id }]) {
    for await (const event of services.audit.stream({ tenantId: tenant.id, ...query })) events.set(event.id, event);
  }
  const connections = new Map((await services.connections.list(tenant.id)).map((c) => [c.id, c]));
  const { identities, recoveryCodesLeft, mfaEnabled, ...profile } = services.accounts.toPublic(account);
  return {
    format: PERSONAL_DATA_FORMAT,
    exportedAt: new Date().toISOString(),
    organisation: { id: tenant.id, slug: tenant.slug, name: tenant.name },
    profile,
    linkedIdentities: identities.map((identity) => ({
      ...identity,
      connectionName: connections.get(identity.connectionId)?.name ?? null,
      connectionKind: connections.get(identity.connectionId)?.kind ?? null,
    })),
    secondFactor: { enabled: mfaEnabled, enabledAt: account.totp?.enabledAt ?? null, recoveryCodesLeft },
    auditEvents: [...events.values()].sort((a, b) => (a.id < b.id ? -1 : 1)),
  };
}
