import { errors, type Adapter, type AdapterPayload } from 'oidc-provider';
import type { ClientRepository } from '../clients/repository.js';
import type { OidcPayload, OidcPayloadRepository } from './repository.js';
import { toClientMetadata } from './client-metadata.js';

/**
 * oidc-provider's persistence, on our storage port. Clients are not stored by the
 * provider: they are read from our client records, so a client created by the CLI
 * or the admin API is usable at once.
 */
export function createAdapterClass(payloads: OidcPayloadRepository, clients: ClientRepository) {
  return class StorageAdapter implements Adapter {
    constructor(private readonly model: string) {}

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      const expiresAt = expiresIn ? Date.now() + expiresIn * 1000 : undefined;
      await payloads.upsert(this.model, id, payload as OidcPayload, expiresAt);
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      if (this.model === 'Client') {
        const client = await clients.findById(id);
        return client ? (toClientMetadata(client) as AdapterPayload) : undefined;
      }
      return (await payloads.find(this.model, id)) as AdapterPayload | undefined;
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      return (await payloads.findByUserCode(this.model, userCode)) as AdapterPayload | undefined;
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      return (await payloads.findByUid(this.model, uid)) as AdapterPayload | undefined;
    }

    /** Losing a race to consume means the code or token was just redeemed by someone else. */
    async consume(id: string): Promise<void> {
      if (!(await payloads.consume(this.model, id, Math.floor(Date.now() / 1000)))) {
        throw new errors.InvalidGrant('grant request is invalid');
      }
    }

    async destroy(id: string): Promise<void> {
      await payloads.destroy(this.model, id);
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await payloads.revokeByGrantId(grantId);
    }
  };
}
