import type { CacheStore } from '@tessera/core';
import { type UseStore, createStore, promisifyRequest } from 'idb-keyval';

const cacheDb = (clientId: string) => createStore(`tessera-${clientId}`, 'cache');
/** The record holding the DPoP key pair, beside the cache's records. */
const DPOP_KEY = 'dpop-key';

/**
 * The client's DPoP key pair, kept in IndexedDB (database `tessera-<clientId>`, record `dpop-key`):
 * a non-extractable ES256 key, generated on first use. IndexedDB stores the CryptoKey itself, so
 * the private key never exists as bytes a script (or an XSS payload) could read and send away:
 * a stolen token is useless elsewhere. Tabs racing to create it end up with the first one stored.
 */
export async function dpopKeyPair(clientId: string): Promise<CryptoKeyPair> {
  const db = cacheDb(clientId);
  const stored = await db('readonly', (store) => promisifyRequest<CryptoKeyPair | undefined>(store.get(DPOP_KEY)));
  if (stored) return stored;
  const created = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify'])) as CryptoKeyPair;
  return db('readwrite', async (store) => {
    const first = await promisifyRequest<CryptoKeyPair | undefined>(store.get(DPOP_KEY));
    if (first) return first;
    store.put(created, DPOP_KEY);
    await promisifyRequest(store.transaction);
    return created;
  });
}

/**
 * The token cache in IndexedDB (database `tessera-<clientId>`, object store `cache`), opened through
 * idb-keyval's `createStore` (open, upgrade, reconnect when Safari drops the connection). Reads and
 * writes are IndexedDB transactions; `update` is one readwrite transaction, so writers in several
 * tabs merge instead of overwriting each other.
 */
export class IndexedDbCacheStore implements CacheStore {
  readonly #db: UseStore;

  constructor(clientId: string) {
    this.#db = cacheDb(clientId);
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
