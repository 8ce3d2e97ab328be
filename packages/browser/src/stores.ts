import { type CacheStore, generateDpopKeyPair, isOneKeyPair } from '@tessera/core';
import { type UseStore, createStore, promisifyRequest } from 'idb-keyval';
import { withWebLock } from './web-lock.js';

const cacheDb = (clientId: string) => createStore(`tessera-${clientId}`, 'cache');
/** The record holding the DPoP key pair, beside the cache's records. */
const DPOP_KEY = 'dpop-key';

const read = <T>(db: UseStore, key: string) => db('readonly', (store) => promisifyRequest<T | undefined>(store.get(key)));

/**
 * One readwrite transaction: reads the record, stores what `next` makes of it, and resolves with
 * that once committed. Awaiting the read keeps the transaction alive: its continuation runs in the
 * success event's microtasks. Writers in several tabs thus merge instead of overwriting each other.
 */
function readModifyWrite<T>(db: UseStore, key: string, next: (current: T | undefined) => T): Promise<T> {
  return db('readwrite', async (store) => {
    const value = next(await promisifyRequest<T | undefined>(store.get(key)));
    store.put(value, key);
    await promisifyRequest(store.transaction);
    return value;
  });
}

/**
 * Whether a `dpop-key` record looks like a key pair that can sign proofs: a private ECDSA P-256 key
 * that signs, and the P-256 public key that each proof's header carries (exported). Synchronous, so
 * that it also runs inside the transaction that replaces a record that is not. Halves of two P-256
 * keys pass: telling needs a signature (isOneKeyPair), which is asynchronous (see dpopKeyPair).
 */
function usableKeyPair(record: unknown): record is CryptoKeyPair {
  const { privateKey, publicKey } = Object(record) as Partial<CryptoKeyPair>;
  return es256(privateKey) && privateKey.usages.includes('sign') && es256(publicKey) && publicKey.extractable;
}

function es256(key: CryptoKey | undefined): key is CryptoKey {
  const { name, namedCurve } = Object(key?.algorithm) as EcKeyAlgorithm;
  return key instanceof CryptoKey && name === 'ECDSA' && namedCurve === 'P-256';
}

/**
 * The client's DPoP key pair, kept in IndexedDB (database `tessera-<clientId>`, record `dpop-key`):
 * a non-extractable ES256 key, generated on first use. IndexedDB stores the CryptoKey itself, so
 * the private key never exists as bytes a script (or an XSS payload) could read and send away:
 * a stolen token is useless elsewhere. Tabs racing to create it end up with the first one stored.
 * A record that is not a usable key pair (another script's value, half a pair, another algorithm,
 * halves of two keys) is replaced the same way, with a warning: DPoP would otherwise fail until the
 * site's data is cleared (halves of two keys sign proofs the provider refuses, saying only that the
 * signature is invalid), and the app cannot fix a record it never wrote (core refuses such a pair
 * given as `dpop: { key }`: that key is the app's). Tokens bound to the old key are cached under its
 * thumbprint and no longer served.
 * When IndexedDB fails (private browsing in some browsers, site data blocked, a full quota) the key,
 * just as non-extractable, is kept in memory for this page, with a warning, and `inMemory` is called:
 * as the token cache does, rather than failing every sign-in. Only where it lives changes.
 * Loaded under a Web Lock: halves of two keys look usable inside the replacing transaction, which
 * could not tell them from a new key another tab stored meanwhile and already signs with.
 */
export function dpopKeyPair(clientId: string, warn: (message: string) => void, inMemory: () => void): Promise<CryptoKeyPair> {
  return withWebLock(`tessera-dpop-key-${clientId}`, () => loadDpopKeyPair(clientId, warn, inMemory));
}

async function loadDpopKeyPair(clientId: string, warn: (message: string) => void, inMemory: () => void): Promise<CryptoKeyPair> {
  const db = cacheDb(clientId);
  const unstored = (error: unknown, created?: CryptoKeyPair) => {
    warn(`IndexedDB failed (${(error as Error)?.name}): DPoP key kept in memory for this page only`);
    inMemory();
    return created ?? generateDpopKeyPair();
  };
  let pair: unknown;
  try {
    pair = await read<unknown>(db, DPOP_KEY);
  } catch (error) {
    return unstored(error);
  }
  if (usableKeyPair(pair) && (await isOneKeyPair(pair))) return pair;
  // Halves of two keys, each usable on its own, still look usable to the transaction below: replaced all the same.
  const twoKeys = usableKeyPair(pair);
  // Generated outside the transaction (which would commit while WebCrypto works), then stored unless another tab was first.
  const created = await generateDpopKeyPair();
  let replaced = false;
  try {
    pair = await readModifyWrite<unknown>(db, DPOP_KEY, (first) => (usableKeyPair(first) && !twoKeys ? first : ((replaced = first !== undefined), created)));
  } catch (error) {
    return unstored(error, created);
  }
  if (replaced) warn(`IndexedDB record ${DPOP_KEY} was not a usable ES256 key pair: replaced by a new DPoP key; sign in again`);
  return pair as CryptoKeyPair;
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
    return read(this.#db, key);
  }

  async save(key: string, data: string): Promise<void> {
    await readModifyWrite(this.#db, key, () => data);
  }

  update(key: string, mutate: (current: string | undefined) => string): Promise<string> {
    return readModifyWrite(this.#db, key, mutate);
  }
}
