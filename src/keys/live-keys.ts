import type { JWK } from 'jose';
import type Provider from 'oidc-provider';
import initializeKeystore from 'oidc-provider/lib/helpers/initialize_keystore.js';
import type { Logger } from '../log/logger.js';
import type { StoredKey } from '../oidc/key-files.js';
import { keyStatuses, publishedKeys, type KeyStatus } from './key-set.js';

/**
 * Swaps a running Provider's signing keys.
 *
 * oidc-provider 9 reads its keys from one place at every use: `instance(provider).keystore`
 * (signing ID tokens, JWT access tokens, userinfo, verifying id_token_hint) and
 * `instance(provider).jwks` (the JWKS endpoint), both set by lib/helpers/initialize_keystore.js,
 * which the constructor calls with `configuration.jwks`. Calling it again on the same instance
 * validates the new set exactly as at start and replaces both references in one synchronous
 * step, so a request sees the old set or the new one, never a mix, and nothing else (sessions,
 * adapters, mounted routes, the Provider object that interaction routes hold) changes.
 * The alternative, a new Provider swapped behind the koa mount, would leave every holder of the
 * old object (interaction, profile and admin routes) on old keys. The package has no "exports"
 * map, so this deep import is allowed; test/keys/online-rotation.test.ts proves it works with
 * the installed version, and breaks if an upgrade moves it.
 */
export function replaceProviderKeys(provider: Provider, keys: JWK[]): void {
  initializeKeystore.call(provider, { keys });
}

/**
 * Reads the key set every `intervalMs` and hands the provider what should be published and sign
 * now. It applies also when the stored set has not changed but a next key's time has come. A read
 * that fails (store unavailable) keeps the keys in use and is retried at the next tick.
 */
export class KeyWatcher {
  private timer: NodeJS.Timeout | undefined;
  private applied: string;
  private failing = false;
  private stopped = false;
  /** The published keys' states as last read (for the key-age metric); empty until the first read. */
  statuses: KeyStatus[] = [];

  constructor(
    private readonly options: {
      provider: Provider;
      load: () => Promise<StoredKey[]>;
      graceSeconds: number;
      intervalMs: number;
      logger: Logger;
      initial: JWK[];
      /** Called after the provider's keys were replaced (e.g. to drop a cached JWKS). */
      onChange?: () => void;
    },
  ) {
    this.applied = fingerprint(options.initial);
  }

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.options.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }

  /** One check; resolves true when the provider's keys changed. */
  async tick(now = new Date()): Promise<boolean> {
    const { provider, load, graceSeconds, logger } = this.options;
    let keys: JWK[];
    try {
      const stored = await load();
      keys = publishedKeys(stored, now, graceSeconds);
      this.statuses = keyStatuses(stored, now, graceSeconds);
      if (this.failing) logger.info('signing keys can be read again');
      this.failing = false;
    } catch (error) {
      if (this.stopped) return false;
      if (!this.failing) logger.warn({ err: { message: (error as Error).message } }, 'could not read signing keys; the keys in use stay until the next try');
      this.failing = true;
      return false;
    }
    const next = fingerprint(keys);
    if (next === this.applied) return false;
    try {
      replaceProviderKeys(provider, keys);
    } catch (error) {
      logger.error({ err: { message: (error as Error).message } }, 'refused a key set from the store; the keys in use stay');
      return false;
    }
    this.applied = next;
    this.options.onChange?.();
    logger.info({ kids: keys.map((k) => k.kid) }, 'signing keys reloaded');
    return true;
  }
}

/** Which keys, in which order (the first of each algorithm signs). Key ids only: never key material. */
function fingerprint(keys: JWK[]): string {
  return keys.map((k) => `${k.alg}:${k.kid}`).join(',');
}
