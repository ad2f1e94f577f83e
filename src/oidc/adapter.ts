import { errors, type Adapter, type AdapterPayload } from 'oidc-provider';
import type { ClientRepository } from '../clients/repository.js';
import type { OidcPayload, OidcPayloadRepository } from './repository.js';
import { storeUnavailable } from '../storage/errors.js';
import { toClientMetadata, type SecretOpener } from './client-metadata.js';

/**
 * oidc-provider's persistence, on our storage port. Clients are not stored by the
 * provider: they are read from our client records, so a client created by the CLI
 * or the admin API is usable at once.
 *
 * A record's id is the token, code or session cookie value itself; the repository stores it
 * only as a keyed hash (see hashed-ids.ts), and the payload must not repeat it: `jti` is left
 * out and put back by find (the caller knows it). Records found by uid come back without it
 * (oidc-provider only reads those: Session.findByUid); a device code found by its user code comes
 * back with it (hashed-ids.ts keeps it sealed), since oidc-provider saves it again.
 */
export function createAdapterClass(payloads: OidcPayloadRepository, clients: ClientRepository, openSecret?: SecretOpener) {
  return class StorageAdapter implements Adapter {
    constructor(private readonly model: string) {}

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      const expiresAt = expiresIn ? Date.now() + expiresIn * 1000 : undefined;
      const stored = withoutTokenValues(payload);
      // A grant's id is no bearer secret (its tokens carry it): kept, so "My profile" can list and revoke grants by account.
      if (this.model === 'Grant') stored.grantId = id;
      await unavailableAs503(payloads.upsert(this.model, id, stored, expiresAt));
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      if (this.model === 'Client') {
        const client = await unavailableAs503(clients.findById(id));
        return client ? (toClientMetadata(client, openSecret) as AdapterPayload) : undefined;
      }
      const found = await unavailableAs503(payloads.find(this.model, id));
      // Each find gives a fresh object (parsed from the store): the id goes back on it without a copy.
      if (found) (found as AdapterPayload).jti = id;
      return found as AdapterPayload | undefined;
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      return (await unavailableAs503(payloads.findByUserCode(this.model, userCode))) as AdapterPayload | undefined;
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      return (await unavailableAs503(payloads.findByUid(this.model, uid))) as AdapterPayload | undefined;
    }

    /** Losing a race to consume means the code or token was just redeemed by someone else. */
    async consume(id: string): Promise<void> {
      if (!(await unavailableAs503(payloads.consume(this.model, id, Math.floor(Date.now() / 1000))))) {
        throw new errors.InvalidGrant('grant request is invalid');
      }
    }

    async destroy(id: string): Promise<void> {
      await unavailableAs503(payloads.destroy(this.model, id));
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await unavailableAs503(payloads.revokeByGrantId(grantId));
    }
  };
}

/** The payload without the record's own id, nor (in an interaction) the session cookie's value. */
function withoutTokenValues(payload: AdapterPayload): OidcPayload {
  const { jti: _id, ...rest } = payload as OidcPayload & { jti?: string };
  const session = rest.session as { cookie?: string } | undefined;
  if (session?.cookie !== undefined) {
    const { cookie: _cookie, ...kept } = session;
    rest.session = kept;
  }
  return rest;
}

/**
 * A busy or failing store becomes the protocol's temporarily_unavailable with status 503,
 * shown as a page rather than redirected to the application, so the person can simply retry.
 */
function unavailableAs503<T>(operation: Promise<T>): Promise<T> {
  return operation.then(undefined, (error: unknown) => {
    if (!storeUnavailable(error)) throw error;
    const refusal = new errors.TemporarilyUnavailable('the service is busy; try again shortly', { cause: error });
    Object.assign(refusal, { status: 503, statusCode: 503, allow_redirect: false });
    // Built as a 4xx refusal (without frames, see protocol-error-stacks.ts); as a 503 it is logged: where it happened counts.
    Error.captureStackTrace(refusal);
    throw refusal;
  });
}
