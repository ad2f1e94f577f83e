// A second process appending to the audit trail of one SQLite file, through the built code
// (npm test builds dist/ first). Usage: node audit-writer.mjs FILE TENANT_ID COUNT
import { openSqliteStorage } from '../../dist/storage/sqlite/index.js';
import { AuditService } from '../../dist/audit/service.js';
import { createLogger } from '../../dist/log/logger.js';

const [file, tenantId, count] = process.argv.slice(2);
const storage = openSqliteStorage(file);
const audit = new AuditService(storage.audit, createLogger('silent'));
process.stdout.write('ready\n');
for (let i = 0; i < Number(count); i += 1) {
  await audit.record({ tenantId, actor: { type: 'system', id: 'child' }, action: 'test.child', details: { i } });
  await audit.record({ tenantId: null, actor: { type: 'system', id: 'child' }, action: 'test.child', details: { i } });
  // Yields now and then, as the parent does, so that on a busy machine the two still take turns.
  if (i % 10 === 0) await new Promise((resolve) => setImmediate(resolve));
}
await storage.close();
