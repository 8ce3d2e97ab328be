// Silent-acquisition adapter: Tessera whose cache lives in a store with a refresh lock (`lock`,
// as FileCacheStore and RedisCacheStore have), to show the lock costs a cache hit nothing: it is
// taken only around a refresh. The store is in memory so the figure is the client's alone.
import { MemoryCacheStore, PublicClientApplication } from '@tessera/core';
import { refuse } from './no-network.mjs';
import { AUTHORITY, AUTHORITY_METADATA, CLIENT_ID, SCOPES } from './synthetic-cache.mjs';

export const library = { name: 'Tessera (locked store)', packageName: '@tessera/core' };

class LockedMemoryStore extends MemoryCacheStore {
  locks = 0;
  async lock(_name, work) {
    this.locks++;
    return work();
  }
}

export async function load(cacheJson) {
  const cacheStore = new LockedMemoryStore();
  cacheStore.data.set('default', cacheJson);
  const httpClient = { send: async (request) => refuse('Tessera', request.url) };
  const app = new PublicClientApplication({ clientId: CLIENT_ID, authority: AUTHORITY, authorityMetadata: AUTHORITY_METADATA, cacheStore, httpClient, retry: false });
  await app.getAccounts(); // loads the store's partition, as an app's first call does
  return {
    silent: (account) => app.acquireTokenSilent({ scopes: SCOPES, account }),
    listAccounts: () => app.getAccounts(),
    /** Times the refresh lock was taken; must stay 0 on cache hits. */
    locksTaken: () => cacheStore.locks,
  };
}
