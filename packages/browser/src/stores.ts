import type { CacheStore } from '@tessera/core';
import { type UseStore, createStore, promisifyRequest } from 'idb-keyval';

/**
 * The token cache in IndexedDB (database `tessera-<clientId>`, object store `cache`), opened through
 * idb-keyval's `createStore` (open, upgrade, reconnect when Safari drops the connection). Reads and
 * writes are IndexedDB transactions; `update` is one readwrite transaction, so writers in several
 * tabs merge instead of overwriting each other.
 */
export class IndexedDbCacheStore implements CacheStore {
  readonly #db: UseStore;

  constructor(clientId: string) {
    this.#db = createStore(`tessera-${clientId}`, 'cache');
  }

  load(key: string): Promise<string | undefined> {
    return this.#db('readonly', (store) => promisifyRequest(store.get(key)));
  }

  save(key: string, data: string): Promise<void> {
    return this.#db('readwrite', (store) => {
      store.put(data, key);
      return promisifyRequest(store.transaction);
    });
  }

  update(key: string, mutate: (current: string | undefined) => string): Promise<string> {
    return this.#db('readwrite', async (store) => {
      // Awaiting the read keeps the transaction alive: its continuation runs in the success event's microtasks.
      const next = mutate(await promisifyRequest<string | undefined>(store.get(key)));
      store.put(next, key);
      await promisifyRequest(store.transaction);
      return next;
    });
  }
}
