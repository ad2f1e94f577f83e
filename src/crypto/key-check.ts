import { SettingsError } from '../config/settings.js';
import { SealedValueError } from './field-cipher.js';

/** One sealed value to try, and how to open it. */
export interface SealedSample {
  /** What it is, for the message (never the value). */
  what: string;
  sealed: string;
  open(): void;
}

export class EncryptionKeyMismatchError extends SettingsError {
  constructor(message: string) {
    super(message);
    this.name = 'EncryptionKeyMismatchError';
  }
}

/** The key id a sealed value names (`v1.<keyId>.…`), if it has the format. */
export function sealedKeyId(sealed: string): string | null {
  const parts = sealed.split('.');
  return parts.length === 4 ? parts[1]! : null;
}

/**
 * Refuses to go on when the configured data-at-rest keys cannot open values already stored:
 * started with the wrong ENCRYPTION_KEYS, every second-factor step would fail for its people.
 */
export function assertSamplesOpen(samples: Iterable<SealedSample>): number {
  let opened = 0;
  for (const sample of samples) {
    try {
      sample.open();
      opened += 1;
    } catch (error) {
      if (!(error instanceof SealedValueError)) throw error;
      const keyId = sealedKeyId(sample.sealed);
      throw new EncryptionKeyMismatchError(
        `ENCRYPTION_KEYS cannot open stored secrets (${sample.what}, sealed with key id "${keyId ?? 'unknown'}"): ` +
          'start with the keys the data was sealed with (a new key goes first, the old ones stay after it until `idp encryption reseal` has run)',
      );
    }
  }
  return opened;
}
