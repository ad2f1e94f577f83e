import type { AccountState, Account } from './types.js';

/** A search within one tenant's accounts: by e-mail or name prefix, state and 2FA, paged by id. */
export interface AccountSearch {
  /** Matches the start of the e-mail, of the whole name or of any word in it, ignoring case. */
  q?: string;
  state?: AccountState;
  /** true: with a second factor; false: without. */
  mfa?: boolean;
  limit: number;
  after?: string;
}

/** Lower-cased, trimmed search text. */
export const normalizeSearch = (text: string): string => text.trim().toLowerCase();

/**
 * The terms an account is found by (stores index them): its normalised e-mail (if it has one), its whole name and
 * each word of the name, lower-cased. A prefix of any of them finds the account.
 */
export function searchTermsOf(account: Pick<Account, 'emailNormalized' | 'name'>): string[] {
  const name = account.name ? normalizeSearch(account.name) : '';
  const words = name.split(/\s+/).filter(Boolean);
  return [...new Set([...(account.emailNormalized ? [account.emailNormalized] : []), ...(name ? [name] : []), ...words])];
}

/** The end of the prefix range [q, prefixEnd(q)): every string that starts with q sorts inside it. */
export const prefixEnd = (q: string): string => `${q}\u{10FFFF}`;
