// A second process appending to the audit trail of one SQLite file, through the built code
// (npm test builds dist/ first). Usage: node audit-writer.mjs FILE TENANT_ID COUNT ROUND
// It writes in rounds of ROUND events per chain: after each round it prints "round K" and waits
// for a line on stdin, so that the parent and it race within every round and neither can finish
// all its writes before the other has started, however busy the machine is.
import readline from 'node:readline';
import { openSqliteStorage } from '../../dist/storage/sqlite/index.js';
import { AuditService } from '../../dist/audit/service.js';
import { createLogger } from '../../dist/log/logger.js';

const [file, tenantId, count, round] = process.argv.slice(2);
const storage = openSqliteStorage(file);
const audit = new AuditService(storage.audit, createLogger('silent'));
const lines = readline.createInterface({ input: process.stdin })[Symbol.asyncIterator]();
process.stdout.write('ready\n');
for (let i = 0; i < Number(count); i += 1) {
  await audit.record({ tenantId, actor: { type: 'system', id: 'child' }, action: 'test.child', details: { i } });
  await audit.record({ tenantId: null, actor: { type: 'system', id: 'child' }, action: 'test.child', details: { i } });
  if ((i + 1) % Number(round) === 0) {
    process.stdout.write(`round ${(i + 1) / Number(round)}\n`);
    await lines.next();
  }
}
await storage.close();
process.exit(0);
