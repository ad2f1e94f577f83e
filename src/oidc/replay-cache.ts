import type { ReplayCache } from '../federation/connectors/saml/connector.js';
import type { OidcPayloadRepository } from './repository.js';

const MODEL = 'SamlAssertionSeen';

/**
 * SAML assertion ids, on the payload store: an upsert keeps an earlier consumption, and only
 * the first consume wins, so two nodes racing with one assertion let exactly one through.
 */
export function assertionReplayCache(payloads: OidcPayloadRepository): ReplayCache {
  return {
    async firstUse(key, expiresAt) {
      await payloads.upsert(MODEL, key, {}, expiresAt);
      return payloads.consume(MODEL, key, Date.now());
    },
  };
}
