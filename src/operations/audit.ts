import { readAnchorFile, writeAnchorFile } from '../audit/anchor-file.js';
import type { AuditAnchor } from '../audit/service.js';
import type { AuditQuery } from '../audit/types.js';
import type { Services } from '../services.js';

/** Checking, anchoring and reading out the audit trail, for the admin API and the CLI alike. */
export function auditOperations(services: Services, defaultAnchorFile?: string) {
  return {
    /**
     * Checks the tenant's chain (or, without a tenant, every chain) and reports the first broken
     * link of each; with an anchor file, a tail cut off since the anchor was taken is reported too.
     */
    async verify(tenantRef: string | undefined, anchorFile = defaultAnchorFile) {
      const anchor = anchorFile ? readAnchorFile(anchorFile) : undefined;
      if (tenantRef === undefined) return services.audit.verifyAll(anchor);
      const tenant = await services.tenants.get(tenantRef);
      const report = await services.audit.verify(tenant.id, anchor);
      return { valid: report.valid, chains: [report] };
    },
    /** Takes an anchor: logs it and, when the operator named one, writes it to the anchor file. */
    async anchor(file = defaultAnchorFile): Promise<AuditAnchor> {
      const anchor = await services.audit.anchor();
      if (file) writeAnchorFile(file, anchor);
      return anchor;
    },
    /** A tenant's events (or all, without a tenant) as JSON Lines, newest first, page by page. */
    async *exportLines(
      tenantRef: string | undefined,
      filters: Omit<AuditQuery, 'tenantId' | 'limit' | 'before'> = {},
    ): AsyncGenerator<string> {
      const tenantId = tenantRef === undefined ? undefined : (await services.tenants.get(tenantRef)).id;
      for await (const event of services.audit.stream({ ...filters, tenantId })) yield `${JSON.stringify(event)}\n`;
    },
  };
}
