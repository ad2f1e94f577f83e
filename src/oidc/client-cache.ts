import type Provider from 'oidc-provider';
import type { ClientRepository } from '../clients/repository.js';

/** Clients kept at most; past it the cache starts afresh (only found clients are kept, so this bounds real clients). */
const MAX_CACHED_CLIENTS = 10_000;

type ClientClass = Provider['Client'];
type ProviderClient = NonNullable<Awaited<ReturnType<ClientClass['find']>>>;

/**
 * Every token, introspection and userinfo request looks its client up. The provider's client
 * instances are kept here while the store's client revision stays the same: any change to any
 * client, by this node, another process or the CLI, moves the revision in the same transaction
 * as the change, and the next lookup starts afresh. So a removed client or a new secret counts
 * from the next request on, as before, without reading and re-validating the record each time.
 * A store without a revision (null) is read on every lookup.
 *
 * An instance is filed under the revision read before it was loaded, so it is never older than
 * that revision. Unknown client ids are not kept (a stranger could fill the cache with them).
 */
export function cacheClientLookups(provider: Provider, clients: Pick<ClientRepository, 'revision'>): void {
  const Client = provider.Client;
  const load = Client.find.bind(Client);
  let kept = new Map<string, ProviderClient>();
  let keptRevision: number | null = null;
  Client.find = async (id: string) => {
    const revision = await clients.revision();
    if (revision === null) return load(id);
    if (revision !== keptRevision) {
      kept = new Map();
      keptRevision = revision;
    }
    const hit = kept.get(id);
    if (hit) return hit;
    const client = await load(id);
    if (client && keptRevision === revision) {
      if (kept.size >= MAX_CACHED_CLIENTS) kept = new Map();
      kept.set(id, client);
    }
    return client;
  };
}
