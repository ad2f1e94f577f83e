import { RETIRED_KEY_GRACE_SECONDS } from '../config/defaults.js';
import type { Settings } from '../config/settings.js';
import type { FieldCipher } from '../crypto/field-cipher.js';
import { readSigningKeys, rotateSigningKeys } from '../oidc/keys.js';
import { keyStatuses, type KeyStatus } from './key-set.js';
import type { KeyDocumentRepository } from './repository.js';
import { StoreKeys } from './store-keys.js';

export interface KeyRotation {
  /** The new keys, published now, signing from `activatesAt`. */
  added: { kid: string; alg: string; activatesAt: string }[];
  /** Keys past their grace period, deleted by this rotation. */
  removed: string[];
}

/**
 * Rotation and listing of the signing keys wherever they live (KEY_STORE). Running servers pick
 * up the result within KEYS_POLL_INTERVAL_MS (src/keys/live-keys.ts); nothing restarts.
 */
export class SigningKeyService {
  private readonly store: StoreKeys;

  constructor(
    docs: KeyDocumentRepository,
    cipher: FieldCipher,
    private readonly settings: Pick<Settings, 'keyStore' | 'keysDir' | 'keyPublishDelaySeconds'>,
  ) {
    this.store = new StoreKeys(docs, cipher);
  }

  async list(now = new Date()): Promise<KeyStatus[]> {
    if (this.settings.keyStore === 'database') return this.store.list(RETIRED_KEY_GRACE_SECONDS, now);
    return keyStatuses(readSigningKeys(this.settings.keysDir), now, RETIRED_KEY_GRACE_SECONDS);
  }

  async rotate(now = new Date()): Promise<KeyRotation> {
    if (this.settings.keyStore === 'database') return this.store.rotate(this.settings.keyPublishDelaySeconds, RETIRED_KEY_GRACE_SECONDS, now);
    // KEYS_DIR (one node): the new keys sign at once, the old ones stay published for the grace period.
    const result = await rotateSigningKeys(this.settings.keysDir, RETIRED_KEY_GRACE_SECONDS, now);
    const after = new Map(readSigningKeys(this.settings.keysDir).map((k) => [k.jwk.kid, k.jwk.alg]));
    return { added: result.added.map((kid) => ({ kid, alg: after.get(kid)!, activatesAt: now.toISOString() })), removed: result.removed };
  }
}
