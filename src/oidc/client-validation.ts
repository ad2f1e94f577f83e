import { generateKeyPairSync } from 'node:crypto';
import Provider, { errors } from 'oidc-provider';
import type { Client } from '../clients/types.js';
import type { Problem } from '../errors.js';
import { EXTRA_CLIENT_METADATA, toClientMetadata } from './client-metadata.js';
import { clientRulesConfiguration } from './oauth-features.js';

/** The check stores nothing. */
class NoStorage {
  async upsert() {}
  async find() {
    return undefined;
  }
  async findByUid() {
    return undefined;
  }
  async findByUserCode() {
    return undefined;
  }
  async consume() {}
  async destroy() {}
  async revokeByGrantId() {}
}

/** A stand-in for a sealed secret: long enough for every HMAC algorithm's minimum. */
const PLACEHOLDER_SECRET = 'x'.repeat(64);

/**
 * oidc-provider's own rules for client metadata, applied when a client is registered or
 * changed (the admin API and the CLI alike), so a record the provider would refuse to load
 * is never stored. A provider instance with the same client rules and no routes in use does the
 * check; it is made on first use.
 */
export function clientMetadataCheck(issuer: string): (client: Client) => Promise<Problem[]> {
  let validator: Provider | undefined;
  return async (client) => {
    validator ??= new Provider(issuer, {
      ...clientRulesConfiguration(),
      // Keys of each kind the provider signs with: some metadata rules look at the keys on offer.
      jwks: { keys: [generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }) as never] },
      adapter: NoStorage,
      features: { ...clientRulesConfiguration().features, devInteractions: { enabled: false } },
      responseTypes: ['code', 'none'],
      scopes: ['openid', 'offline_access', 'profile', 'email', 'admin'],
      extraClientMetadata: { properties: [...EXTRA_CLIENT_METADATA] },
      clientDefaults: {
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        id_token_signed_response_alg: 'RS256',
        token_endpoint_auth_method: 'client_secret_basic',
      },
    });
    try {
      await validator.Client.validate(toClientMetadata(client, () => PLACEHOLDER_SECRET));
      return [];
    } catch (error) {
      if (error instanceof errors.InvalidClientMetadata || error instanceof errors.InvalidRedirectUri) {
        return [{ field: '', code: 'invalid_client_metadata', message: error.error_description ?? error.message }];
      }
      throw error;
    }
  };
}
