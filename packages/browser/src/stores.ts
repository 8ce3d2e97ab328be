import type { CacheStore } from '@tessera/core';
import { type UseStore, createStore, get, set, update } from 'idb-keyval';

/**
 * The token cache in IndexedDB (database `tessera-<clientId>`, object store `cache`), through
 * idb-keyval. Reads and writes are IndexedDB transactions; `update` is one readwrite
 * transaction, so writers in several tabs merge instead of overwriting each other.
 */
export class IndexedDbCacheStore implements CacheStore {
  private readonly db: UseStore;

  constructor(clientId: string) {
    // idb-keyval opens the database lazily, on the first read or write.
    this.db = createStore(`tessera-${clientId}`, 'cache');
  }

  load(key: string): Promise<string | undefined> {
    return get<string>(key, this.db);
  }

  save(key: string, data: string): Promise<void> {
    return set(key, data, this.db);
  }

  async update(key: string, mutate: (current: string | undefined) => string): Promise<string> {
    let next = '';
    await update<string>(key, (current) => (next = mutate(current)), this.db);
    return next;
  }
}
