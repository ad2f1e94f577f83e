import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { AuditAnchor } from './service.js';

/**
 * The anchor file holds the latest anchor as JSON ({ time, chains: { <chain>: { seq, hash } } },
 * chain '' being the operators'). Written aside and renamed, so a reader never sees half of one.
 * Keep a copy out of the database's reach (another host, write-once storage): only then does it
 * prove that the tail of a chain was not cut off.
 */
export function writeAnchorFile(file: string, anchor: AuditAnchor): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const aside = `${file}.${process.pid}.tmp`;
  writeFileSync(aside, `${JSON.stringify(anchor, null, 2)}\n`, { mode: 0o600 });
  renameSync(aside, file);
}

/** The anchor in the file; undefined while none has been written yet. */
export function readAnchorFile(file: string): AuditAnchor | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const anchor = JSON.parse(text) as AuditAnchor;
  if (typeof anchor?.chains !== 'object' || anchor.chains === null) throw new Error(`${file} is not an audit anchor`);
  return anchor;
}
