import { chmodSync, existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';

/** A 256-bit AES key and the id that sealed values name it by. */
export type EncryptionKey = { id: string; key: Buffer };

const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;
const KEY_BYTES = 32;
export const DEVELOPMENT_KEY_FILE = 'encryption-key.json';

/**
 * Parses ENCRYPTION_KEYS, `id:base64key[,id:base64key...]`, newest first.
 * Messages never quote the key material, nor an id that failed to parse (it may be a key).
 */
export function parseEncryptionKeys(text: string): EncryptionKey[] {
  if (text.trim() === '') throw new Error('ENCRYPTION_KEYS is empty: expected id:base64key[,id:base64key...]');
  const keys: EncryptionKey[] = [];
  text.split(',').forEach((entry, index) => {
    const n = index + 1;
    const colon = entry.indexOf(':');
    if (colon < 0) throw new Error(`ENCRYPTION_KEYS entry ${n} is not of the form id:base64key`);
    const id = entry.slice(0, colon).trim();
    const encoded = entry.slice(colon + 1).trim();
    if (!KEY_ID.test(id)) throw new Error(`ENCRYPTION_KEYS entry ${n} has an invalid key id (1 to 32 characters of A-Z a-z 0-9 _ -)`);
    if (keys.some((k) => k.id === id)) throw new Error(`ENCRYPTION_KEYS has the key id "${id}" more than once`);
    if (!BASE64.test(encoded)) throw new Error(`ENCRYPTION_KEYS key "${id}" is not base64`);
    // Node's base64 decoder reads the base64url alphabet too.
    const key = Buffer.from(encoded, 'base64');
    if (key.length !== KEY_BYTES) throw new Error(`ENCRYPTION_KEYS key "${id}" must decode to ${KEY_BYTES} bytes, not ${key.length}`);
    keys.push({ id, key });
  });
  return keys;
}

function readDevelopmentKey(file: string): EncryptionKey[] {
  let stored: { id?: unknown; key?: unknown };
  try {
    stored = JSON.parse(readFileSync(file, 'utf8')) as typeof stored;
  } catch {
    // JSON.parse quotes the text it failed on, which here is key material.
    throw new Error(`${file} is not valid JSON`);
  }
  if (typeof stored?.id !== 'string' || typeof stored.key !== 'string') throw new Error(`${file} does not hold an id and a key`);
  try {
    return parseEncryptionKeys(`${stored.id}:${stored.key}`);
  } catch (error) {
    throw new Error(`${file} does not hold a valid development key: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * The key used when ENCRYPTION_KEYS is unset, kept in the data directory and generated on
 * first use. The file is linked into place rather than renamed: link refuses to overwrite, so
 * of two processes starting at once both end up with the same key instead of one losing its own.
 */
export function loadOrCreateDevelopmentKey(dataDir: string): { keys: EncryptionKey[]; generated: boolean } {
  const file = path.join(dataDir, DEVELOPMENT_KEY_FILE);
  if (existsSync(file)) return { keys: readDevelopmentKey(file), generated: false };

  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const stored = { id: `dev-${randomBytes(4).toString('hex')}`, key: randomBytes(KEY_BYTES).toString('base64') };
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  try {
    linkSync(temporary, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return { keys: readDevelopmentKey(file), generated: false };
  } finally {
    unlinkSync(temporary);
  }
  return { keys: parseEncryptionKeys(`${stored.id}:${stored.key}`), generated: true };
}
