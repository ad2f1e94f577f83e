import type Provider from 'oidc-provider';
import type { ClientRepository } from '../clients/repository.js';
import { KeptByRevision } from '../storage/kept-by-revision.js';

type ClientClass = Provider['Client'];
type ProviderClient = NonNullable<Awaited<ReturnType<ClientClass['find']>>>;

/**
 * Every token, introspection and userinfo request looks its client up. The provider's client
 * instances are kept here while the store's client revision stays the same: any change to any
 * client, by this node, another process or the CLI, moves the revision in the same transaction
 * as the change, and the next lookup starts afresh. So a removed client or a new secret counts
 * from the next request on, as before, without reading and re-validating the record each time.
 * A store without a revision (null) is read on every lookup. Unknown client ids are not kept (a
 * stranger could fill the cache with them).
 */
export function cacheClientLookups(provider: Provider, clients: Pick<ClientRepository, 'revision'>): void {
  const Client = provider.Client;
  const load = Client.find.bind(Client);
  const kept = new KeptByRevision<ProviderClient>();
  Client.find = async (id: string) => {
    const revision = clients.revision();
    if (revision === null) return load(id);
    const hit = kept.get(revision, id);
    if (hit) return hit;
    const client = await load(id);
    if (client) kept.keep(revision, id, client);
    return client;
  };
}
