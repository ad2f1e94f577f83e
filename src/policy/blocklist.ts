import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

const LIST_FILE = new URL('../../assets/common-passwords.txt.gz', import.meta.url);

let common: Set<string> | undefined;

/** The shipped list of the most common passwords, read once on first use. */
export function commonPasswords(): Set<string> {
  common ??= new Set(gunzipSync(readFileSync(LIST_FILE)).toString('utf8').split('\n').filter(Boolean));
  return common;
}

/** Common as typed, or common once lower-cased ("Password1" is "password1"). */
export function isCommonPassword(password: string): boolean {
  const list = commonPasswords();
  return list.has(password) || list.has(password.toLowerCase());
}
