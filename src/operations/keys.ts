import type { Services } from '../services.js';
import { recordAdmin, type Caller } from './caller.js';

/** Signing key rotation, with its audit entry (key ids and dates only, never key material). */
export function keyOperations(services: Services) {
  const record = recordAdmin(services);
  return {
    list: () => services.signingKeys.list(),
    async rotate(caller: Caller) {
      const rotation = await services.signingKeys.rotate();
      await record(caller, 'keys.rotate', { type: 'signing_keys', id: rotation.added.map((k) => k.kid).join(',') }, null, { ...rotation });
      return rotation;
    },
  };
}
