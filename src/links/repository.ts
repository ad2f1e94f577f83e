import type { OneTimeToken } from './types.js';

/** What registration and reset links need from a store. */
export interface OneTimeTokenRepository {
  insert(token: OneTimeToken): Promise<void>;
  findByHash(hash: string): Promise<OneTimeToken | null>;
  /** Marks the token used if it is unused and unexpired; true only for the one call that did. */
  use(hash: string, at: string): Promise<boolean>;
  /** Deletes the account's other tokens of this kind (a new link voids the older ones). */
  voidOthers(accountId: string, kind: OneTimeToken['kind'], keepHash: string): Promise<number>;
  purgeExpired(now: string): Promise<number>;
}
