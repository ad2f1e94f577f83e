import { createHash } from 'node:crypto';
import type Provider from 'oidc-provider';
import type { ReplayCache } from '../federation/connectors/saml/connector.js';
import type { OidcPayloadRepository } from './repository.js';

const MODEL = 'SamlAssertionSeen';

/** First use of a key wins: an upsert keeps an earlier consumption, and only the first consume succeeds. */
async function firstUse(payloads: OidcPayloadRepository, model: string, key: string, expiresAt: number): Promise<boolean> {
  await payloads.upsert(model, key, {}, expiresAt);
  return payloads.consume(model, key, Date.now());
}

/**
 * SAML assertion ids, on the payload store: an upsert keeps an earlier consumption, and only
 * the first consume wins, so two nodes racing with one assertion let exactly one through.
 */
export function assertionReplayCache(payloads: OidcPayloadRepository): ReplayCache {
  return { firstUse: (key, expiresAt) => firstUse(payloads, MODEL, key, expiresAt) };
}

/**
 * oidc-provider's replay detection (client assertion and DPoP proof `jti`s), kept in the
 * database until the proof expires. Its own version reads and then writes, so two requests
 * racing with one proof could both pass; this one is a single first-use decision in the store.
 */
export function atomicReplayDetection(provider: Provider, payloads: OidcPayloadRepository): void {
  const model = provider.ReplayDetection as unknown as { unique(iss: string, jti: string, exp: number): Promise<boolean> };
  model.unique = async (iss, jti, exp) => {
    const key = createHash('sha256').update(`${iss}\n${jti}`).digest('base64url');
    return firstUse(payloads, 'ReplayDetection', key, exp * 1000);
  };
}
