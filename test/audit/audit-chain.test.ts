import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { DatabaseSync } from 'node:sqlite';
import { openSqliteStorage } from '../../src/storage/sqlite/index.js';
import { SQLITE_FILE_NAME } from '../../src/storage/open.js';
import { AuditService } from '../../src/audit/service.js';
import { createLogger } from '../../src/log/logger.js';
import { canonicalForm, GENESIS_HASH, hashOf } from '../../src/audit/chain.js';
import { runIdp } from '../support/cli.js';
import type { Storage } from '../../src/storage/port.js';
import type { AuditEvent } from '../../src/audit/types.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const WRITER = path.join(here, '..', 'support', 'audit-writer.mjs');
const N = 150;
const ROUND = 25;

describe('the audit trail is a hash chain per tenant and one for operators', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'idp-audit-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  let dirN = 0;
  function freshStore(): { dataDir: string; file: string; storage: Storage; audit: AuditService } {
    const dataDir = path.join(root, `d${(dirN += 1)}`);
    const file = path.join(dataDir, SQLITE_FILE_NAME);
    const storage = openSqliteStorage(file);
    return { dataDir, file, storage, audit: new AuditService(storage.audit, createLogger('silent')) };
  }

  async function cli(dataDir: string, args: string[]) {
    return runIdp(args, { DATA_DIR: dataDir, KEYS_DIR: path.join(root, 'keys') });
  }

  test('the canonical form sorts keys at every depth and leaves out the hash', () => {
    const event = { b: 1, a: { d: [2, { z: 1, y: 2 }], c: null }, hash: 'x' } as unknown as AuditEvent;
    expect(canonicalForm(event)).toBe('{"a":{"c":null,"d":[2,{"y":2,"z":1}]},"b":1}');
  });

  test('two processes appending to one SQLite file at once never fork a chain; verify passes', async () => {
    expect(existsSync(path.join(here, '..', '..', 'dist', 'audit', 'chain.js'))).toBe(true); // npm test builds dist/ for the child
    const { file, storage, audit, dataDir } = freshStore();
    const tenantId = '0193b000-0000-7000-8000-00000000aaaa';
    const child = spawn(process.execPath, [WRITER, file, tenantId, String(N), String(ROUND)], { stdio: ['pipe', 'pipe', 'pipe'] });
    let childErr = '';
    child.stderr.on('data', (d) => (childErr += d));
    const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
    const childLines = readline.createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    expect((await childLines.next()).value).toBe('ready');
    for (let i = 0; i < N; i += 1) {
      await audit.record({ tenantId, actor: { type: 'system', id: 'parent' }, action: 'test.parent', details: { i } });
      await audit.record({ tenantId: null, actor: { type: 'system', id: 'parent' }, action: 'test.parent', details: { i } });
      if ((i + 1) % ROUND === 0) {
        // Lock-step rounds: both writers finish round K before either starts round K + 1.
        expect((await childLines.next()).value).toBe(`round ${(i + 1) / ROUND}`);
        child.stdin.write('go\n');
      }
    }
    expect({ code: await exited, childErr }).toEqual({ code: 0, childErr: '' });

    for (const chain of [tenantId, '']) {
      const events = await storage.audit.chain(chain, 0, 10 * N);
      expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 2 * N }, (_, i) => i + 1));
      events.forEach((e, i) => {
        expect(e.prevHash).toBe(i === 0 ? GENESIS_HASH : events[i - 1]!.hash);
        expect(e.hash).toBe(hashOf(e));
      });
      const writers = new Set(events.map((e) => e.actor.id));
      expect(writers).toEqual(new Set(['parent', 'child']));
      // Interleaved: every round holds both writers, so there is a switch in each of the N / ROUND rounds.
      const switches = events.filter((e, i) => i > 0 && e.actor.id !== events[i - 1]!.actor.id).length;
      expect(switches).toBeGreaterThanOrEqual(N / ROUND);
    }
    expect(await audit.verify(tenantId)).toMatchObject({ valid: true, events: 2 * N, broken: null });
    expect((await audit.verifyAll()).valid).toBe(true);
    await storage.close();
    const ok = await cli(dataDir, ['audit', 'verify', '--json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ valid: true });
  });

  async function tampered(tamper: (db: DatabaseSync, tenantId: string) => void) {
    const store = freshStore();
    const tenantId = '0193b000-0000-7000-8000-00000000bbbb';
    for (let i = 0; i < 6; i += 1) await store.audit.record({ tenantId, actor: { type: 'system' }, action: `test.step${i + 1}` });
    expect((await store.audit.verify(tenantId)).valid).toBe(true);
    await store.storage.close();
    const db = new DatabaseSync(store.file);
    tamper(db, tenantId);
    db.close();
    const storage = openSqliteStorage(store.file);
    const report = await new AuditService(storage.audit, createLogger('silent')).verify(tenantId);
    await storage.close();
    return { report, dataDir: store.dataDir, tenantId };
  }

  test('an event edited in the database is named: its seq, "edited"; the CLI exits 1', async () => {
    const { report, dataDir } = await tampered((db, tenantId) => {
      db.prepare(`UPDATE audit_events SET doc = json_set(doc, '$.outcome', 'failure') WHERE chain = ? AND seq = 3`).run(tenantId);
    });
    expect(report).toMatchObject({ valid: false, broken: { seq: 3, kind: 'edited' } });
    const result = await cli(dataDir, ['audit', 'verify', '--json']);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({
      valid: false,
      chains: expect.arrayContaining([expect.objectContaining({ broken: expect.objectContaining({ seq: 3, kind: 'edited' }) })]),
    });
  });

  test('an event whose hash was recomputed after an edit still breaks the next link: "reordered" at the next seq', async () => {
    const { report } = await tampered((db, tenantId) => {
      const row = db.prepare('SELECT doc FROM audit_events WHERE chain = ? AND seq = 3').get(tenantId) as { doc: string };
      const edited = { ...(JSON.parse(row.doc) as AuditEvent), action: 'test.forged' };
      edited.hash = hashOf(edited);
      db.prepare('UPDATE audit_events SET doc = ? WHERE chain = ? AND seq = 3').run(JSON.stringify(edited), tenantId);
    });
    expect(report).toMatchObject({ valid: false, broken: { seq: 4, kind: 'reordered' } });
  });

  test('a deleted event is named: its seq, "missing"', async () => {
    const { report } = await tampered((db, tenantId) => {
      db.prepare('DELETE FROM audit_events WHERE chain = ? AND seq = 4').run(tenantId);
    });
    expect(report).toMatchObject({ valid: false, broken: { seq: 4, kind: 'missing' } });
  });

  test('two swapped events are named: the first seq out of place, "reordered"', async () => {
    const { report } = await tampered((db, tenantId) => {
      db.prepare('UPDATE audit_events SET seq = -1 WHERE chain = ? AND seq = 2').run(tenantId);
      db.prepare('UPDATE audit_events SET seq = 2 WHERE chain = ? AND seq = 5').run(tenantId);
      db.prepare('UPDATE audit_events SET seq = 5 WHERE chain = ? AND seq = -1').run(tenantId);
    });
    expect(report).toMatchObject({ valid: false, broken: { seq: 2, kind: 'reordered' } });
  });

  test('a cut-off tail passes on its own but not against the anchor taken before: "truncated"', async () => {
    const store = freshStore();
    const anchorFile = path.join(store.dataDir, 'anchor', 'audit-anchor.json');
    const tenantId = '0193b000-0000-7000-8000-00000000cccc';
    for (let i = 0; i < 5; i += 1) await store.audit.record({ tenantId, actor: { type: 'system' }, action: 'test.step' });
    await store.storage.close();
    const anchored = await cli(store.dataDir, ['audit', 'anchor', '--file', anchorFile, '--json']);
    expect(anchored.code).toBe(0);
    expect(JSON.parse(anchored.stdout).chains[tenantId]).toMatchObject({ seq: 5 });
    const db = new DatabaseSync(store.file);
    db.prepare('DELETE FROM audit_events WHERE chain = ? AND seq >= 4').run(tenantId);
    db.close();
    const alone = await cli(store.dataDir, ['audit', 'verify', '--json']);
    expect(alone.code).toBe(0);
    const against = await cli(store.dataDir, ['audit', 'verify', '--anchor', anchorFile, '--json']);
    expect(against.code).toBe(1);
    const report = JSON.parse(against.stdout);
    expect(report.chains.find((c: { chain: string }) => c.chain === tenantId)).toMatchObject({
      valid: false,
      broken: { seq: 4, kind: 'truncated' },
    });
  });
});
