import type { AuditService } from '../audit/service.js';
import type { Logger } from '../log/logger.js';
import type { TenantService } from '../tenants/service.js';
import { SAML_METADATA_REFRESH_MS } from '../config/defaults.js';
import type { ConnectionService } from './service.js';

const PAGE = 200;

/**
 * Re-reads the metadata URL of every SAML connection that is due: at its nextRefreshAt (set from
 * the document's cacheDuration and validUntil), or for records without one when the last good
 * read is older than the refresh interval. A failure is retried on the next run.
 */
export async function refreshDueSamlMetadata(
  deps: { tenants: TenantService; connections: ConnectionService; audit: AuditService; logger: Logger },
  now: Date = new Date(),
): Promise<{ refreshed: number; failed: number }> {
  const counts = { refreshed: 0, failed: 0 };
  for (let after: string | undefined; ;) {
    const tenants = await deps.tenants.list({ limit: PAGE, after });
    for (const tenant of tenants) {
      for (const connection of await deps.connections.list(tenant.id)) {
        if (connection.kind !== 'saml' || !connection.metadata.url) continue;
        const last = Date.parse(connection.metadata.lastRefreshedAt ?? '') || 0;
        const due = Date.parse(connection.metadata.nextRefreshAt ?? '') || last + SAML_METADATA_REFRESH_MS;
        if (now.getTime() < due && !connection.metadata.lastError) continue;
        const { error } = await deps.connections.refreshMetadata(connection);
        if (error === null) {
          counts.refreshed += 1;
          continue;
        }
        counts.failed += 1;
        deps.logger.warn({ connectionId: connection.id, error }, 'SAML metadata refresh failed; the last good metadata stays in use');
        await deps.audit.record({
          tenantId: tenant.id,
          actor: { type: 'system', id: 'saml-metadata-refresh' },
          action: 'connection.metadata_refresh',
          outcome: 'failure',
          reason: 'metadata_unusable',
          target: { type: 'connection', id: connection.id },
          details: { error },
        });
      }
    }
    if (tenants.length < PAGE) return counts;
    after = tenants[tenants.length - 1]!.id;
  }
}
