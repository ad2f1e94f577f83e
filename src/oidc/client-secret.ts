import type Provider from 'oidc-provider';
import { hashClientSecret } from '../clients/secrets.js';
import { secretsEqual } from '../crypto/equal.js';

/**
 * oidc-provider holds each client's secret hash as its "client_secret" (see client-metadata.ts).
 * This teaches it to hash what a client presents before comparing, so only hashes are stored
 * and a leaked hash is not a usable secret.
 */
export function compareHashedClientSecrets(provider: Provider): void {
  const prototype = provider.Client.prototype as unknown as {
    compareClientSecret(this: { clientSecret?: string }, presented: string): boolean;
  };
  prototype.compareClientSecret = function compareClientSecret(presented: string): boolean {
    if (!this.clientSecret || typeof presented !== 'string') return false;
    return secretsEqual(this.clientSecret, hashClientSecret(presented));
  };
}
