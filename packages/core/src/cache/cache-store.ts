import { sha256Base64Url } from '../crypto/encoding.js';
import { AbortError } from '../errors.js';
import { CacheFormatError, TokenCache } from './token-cache.js';
import type { LogSink } from '../logger.js';

/**
 * Where serialized cache partitions live (a file, Redis, IndexedDB, ...).
 * `update` runs a read-modify-write under the store's lock or compare-and-set, so that
 * several processes or machines merge their entries instead of overwriting each other.
 */
export interface CacheStore {
  /** The serialized partition, or undefined when there is none. */
  load(partitionKey: string, signal?: AbortSignal): Promise<string | undefined>;
  /** Replaces the partition with `data`. */
  save(partitionKey: string, data: string, signal?: AbortSignal): Promise<void>;
  /**
   * Read-modify-write under a lock or compare-and-set: `mutate` gets the current value and returns the
   * new one, which is stored and returned. Without it, a process's writes are queued (load, change,
   * save), so they never save over each other; other processes' writes can still race with them.
   */
  update?(partitionKey: string, mutate: (current: string | undefined) => string, signal?: AbortSignal): Promise<string>;
  /**
   * Runs `work` while holding the store-wide lock named `name` (one holder among every process or
   * machine sharing the store). Clients use it around refresh-token redemption, so that callers
   * sharing the store make one refresh and never redeem a refresh token another caller rotated, and
   * around app-only and on-behalf-of acquisitions, so that they make one token request per token.
   * `work` writes to the store, so this must not be the lock `update` takes. A store that cannot
   * share a lock leaves this out.
   */
  lock?<T>(name: string, work: () => Promise<T>, signal?: AbortSignal): Promise<T>;
}

/** A CacheStore in memory (tests, and a model for writing others). */
export class MemoryCacheStore implements CacheStore {
  /** The partitions by key. */
  readonly data = new Map<string, string>();
  async load(key: string): Promise<string | undefined> {
    return this.data.get(key);
  }
  async save(key: string, value: string): Promise<void> {
    this.data.set(key, value);
  }
  async update(key: string, mutate: (current: string | undefined) => string): Promise<string> {
    const next = mutate(this.data.get(key));
    this.data.set(key, next);
    return next;
  }
}

/**
 * How tokens are split into partitions, following MSAL's guidance: `single` for desktop apps and
 * CLIs (one file holds everything), `perKey` for services (per account, per client+tenant for app
 * tokens, per assertion hash for on-behalf-of), so each request loads only what it needs.
 */
export type CachePartitioning = 'single' | 'perKey';

/** The partition key of `single` partitioning. */
export const SINGLE_PARTITION = 'default';

export const partitionKeys = {
  account: (p: CachePartitioning, homeAccountId: string) => (p === 'single' ? SINGLE_PARTITION : `account:${homeAccountId}`),
  app: (p: CachePartitioning, clientId: string, tenant: string) => (p === 'single' ? SINGLE_PARTITION : `app:${clientId}.${tenant}`),
  onBehalfOf: (p: CachePartitioning, assertionHash: string) => (p === 'single' ? SINGLE_PARTITION : `obo:${assertionHash}`),
};

export const assertionHash = sha256Base64Url;

/**
 * What a failing CacheStore (Redis down, disk full, read-only folder) does to the call that used it:
 * `'warn'` logs a warning and carries on with the in-memory cache (services that must keep serving);
 * `'throw'` fails the call with the store's error, for callers that must not report a sign-in or
 * sign-out as done when it was not kept (CLIs). Aborts always propagate. Either way a change the
 * store did not take stays in memory and is written with the partition's next load or write; with
 * `'throw'` those calls fail while the store still refuses it (see "When the store fails" in the README).
 */
export type CacheStoreErrors = 'warn' | 'throw';

/** Whether serialized cache JSON holds a refresh token or an access token not yet expired (worth writing back). */
function stillUseful(data: string): boolean {
  try {
    const { AccessToken = {}, RefreshToken = {} } = JSON.parse(data) as Record<string, Record<string, { expires_on?: unknown } | null>>;
    return Object.keys(RefreshToken).length > 0 || Object.values(AccessToken).some((at) => Number(at?.expires_on) * 1000 > Date.now());
  } catch {
    return false;
  }
}

/** The change of a write that only brings the store up to date: kept once however often that write fails. */
const nothing = () => undefined;

/**
 * What CachePersistence knows of one TokenCache and CacheStore pair. Clients sharing both share it
 * (see sharedPersistenceState): memory is theirs together, so one client's load must keep another's
 * unsaved changes, and their writes take turns.
 */
export interface PersistenceState {
  /** Each partition's store copy that memory last took or wrote. */
  readonly seen: Map<string, string>;
  /**
   * Changes the store did not take (it was down): replayed, in order, with the partition's next
   * successful write or load, so tokens acquired during an outage reach the store once it is back.
   */
  readonly pending: Map<string, ((cache: TokenCache) => void)[]>;
  /**
   * The last load-then-save of a store without `update`: the next one waits for it, so two writes of
   * this process never load the same copy and save over each other's change.
   */
  saving: Promise<unknown>;
  /** How many store copies memory has taken (see #absorb): a write that sees one taken since its change re-reads its own result. */
  absorbed: number;
}

const newState = (): PersistenceState => ({ seen: new Map(), pending: new Map(), saving: Promise.resolve(), absorbed: 0 });

/** The states of the TokenCache and CacheStore pairs of this process (see sharedPersistenceState). */
const states = new WeakMap<TokenCache, WeakMap<CacheStore, PersistenceState>>();

/** The PersistenceState of `cache` with `store`, one per pair in this process: what clients sharing both pass to CachePersistence. */
export function sharedPersistenceState(cache: TokenCache, store: CacheStore | undefined): PersistenceState {
  if (!store) return newState();
  let byStore = states.get(cache);
  if (!byStore) states.set(cache, (byStore = new WeakMap()));
  let state = byStore.get(store);
  if (!state) byStore.set(store, (state = newState()));
  return state;
}

/** Keeps the in-memory TokenCache and a CacheStore in step. */
export class CachePersistence {
  /** The last load failed (see sync): the store's outage is logged already. */
  #loadsFailing = false;
  readonly #store: CacheStore | undefined;
  readonly #log: LogSink;
  readonly #errors: CacheStoreErrors;

  constructor(
    /** The in-memory cache. */
    readonly cache: TokenCache,
    store: CacheStore | undefined,
    log: LogSink,
    errors: CacheStoreErrors = 'warn',
    /** What it knows of the cache and store: clients sharing both pass the same (see sharedPersistenceState). */
    readonly state: PersistenceState = newState(),
  ) {
    this.#store = store;
    this.#log = log;
    this.#errors = errors;
  }

  /** Whether a store is attached. */
  get persistent(): boolean {
    return !!this.#store;
  }

  /** Loads a partition if the store's copy changed since we last saw it. */
  async sync(partition: string, signal?: AbortSignal): Promise<void> {
    const store = this.#store;
    if (!store) return;
    let data: string | undefined;
    try {
      data = await store.load(partition, signal);
    } catch (error) {
      // A store that is down (IndexedDB blocked, Redis unreachable) fails every call's load: the
      // warning is logged when loads start failing, not again until one has succeeded.
      this.#storeFailed('load', partition, error, signal, false, this.#loadsFailing);
      this.#loadsFailing = true;
      return;
    }
    this.#loadsFailing = false;
    const seen = this.state.seen.get(partition);
    if (data === undefined && seen !== undefined) {
      // The store lost a partition we had read or written (a Redis master restarted empty, a
      // flushed key): memory still holds it, so write it back, unless it only held expired tokens
      // (the key expired with them).
      if (stillUseful(seen)) this.state.pending.set(partition, [(cache) => cache.merge(seen), ...this.#missed(partition)]);
      this.state.seen.delete(partition);
    }
    if (this.state.pending.has(partition)) return this.write(partition, nothing, signal);
    if (data !== undefined && data !== seen) this.#absorb(partition, data);
  }

  /**
   * Applies a change to memory and to the store's partition, merging with other writers' entries.
   * A change the store does not take stays in memory (it may hold the only valid refresh token) and
   * goes to the store with the partition's next successful write or load. `rotated`: the change
   * replaces a refresh token the provider has spent, which the store keeps until it takes the change:
   * its write is tried twice, and a failure is logged saying what it risks (with 'throw' too).
   */
  async write(partition: string, change: (cache: TokenCache) => void, signal?: AbortSignal, rotated?: boolean): Promise<void> {
    change(this.cache);
    const absorbed = this.state.absorbed;
    const store = this.#store;
    if (!store) return;
    const replay = [...this.#missed(partition), change];
    let othersWrote = true;
    const apply = (current: string | undefined) => {
      othersWrote = current !== undefined && current !== this.state.seen.get(partition);
      const copy = new TokenCache();
      try {
        if (current) copy.deserialize(current);
      } catch (error) {
        // Stores move damaged data aside themselves; here we only refuse to build on it.
        this.#notCacheJson(partition, error, 'rewritten');
      }
      for (const missed of replay) missed(copy);
      return copy.serialize();
    };
    let next: string;
    for (let retry = rotated; ; retry = false) {
      try {
        // Without update: load, change, save, once this process's previous load-then-save is done.
        next = await (store.update?.(partition, apply, signal) ??
          ((this.state.saving = this.state.saving
            .catch(() => undefined)
            .then(async () => {
              const data = apply(await store.load(partition, signal));
              await store.save(partition, data, signal);
              return data;
            })) as Promise<string>));
        break;
      } catch (error) {
        if (retry && !(error instanceof AbortError || signal?.aborted)) continue;
        // The caller gets its token even when the store is down ('warn'); the store gets the change
        // with the partition's next successful write or load. A load that took a store copy into
        // memory meanwhile (see sync) dropped it: put it back.
        const missed = this.#missed(partition);
        this.state.pending.set(partition, missed.includes(change) ? missed : [...missed, change]);
        if (absorbed !== this.state.absorbed) this.#reapply(partition);
        return this.#storeFailed('save', partition, error, signal, rotated);
      }
    }
    const rest = this.#missed(partition).filter((missed) => !replay.includes(missed));
    if (rest.length) this.state.pending.set(partition, rest);
    else this.state.pending.delete(partition);
    // Memory already has our change; re-reading is needed only for entries other writers added, or
    // when a load took a store copy into memory meanwhile (without our change: a rotated refresh
    // token would be back to the spent one).
    if (othersWrote || absorbed !== this.state.absorbed) this.#absorb(partition, next);
    else this.state.seen.set(partition, next);
  }

  /** Applies the partition's changes the store has not taken to memory again (after memory took a store copy). */
  #reapply(partition: string): void {
    for (const missed of this.#missed(partition)) missed(this.cache);
  }

  /** The partition's changes the store has not taken yet. */
  #missed(partition: string): ((cache: TokenCache) => void)[] {
    return this.state.pending.get(partition) ?? [];
  }

  /**
   * A store that fails (Redis down, disk full) degrades to the in-memory cache, unless errors are to
   * be thrown. A failed write of a rotated refresh token (see write) is logged in both cases;
   * `logged`: a failure of an outage already logged (see sync), not logged again.
   */
  #storeFailed(action: string, partition: string, error: unknown, signal?: AbortSignal, rotated?: boolean, logged?: boolean): void {
    if (error instanceof AbortError || signal?.aborted) throw error;
    const warn = this.#errors === 'warn';
    const code = (error as { code?: unknown } | null)?.code;
    const detail = error instanceof Error ? `${error.name}${typeof code === 'string' ? ` (${code})` : ''}: ${this.#log.describeError(error)}` : String(error);
    if ((warn && !logged) || rotated) {
      this.#log.log(
        'warning',
        `Cache store could not ${action} partition "${this.#log.partition(partition)}"; ${warn ? 'continuing with the in-memory cache. ' : ''}${detail}` +
          (rotated
            ? '. The store keeps the spent refresh token until a later write: its use elsewhere may revoke the sign-in (reuse detection).'
            : ''),
      );
    }
    if (!warn) throw error;
  }

  #absorb(partition: string, data: string): void {
    try {
      // The single partition is the whole cache: taking it as it is also drops what another process
      // removed (a sign-out elsewhere). Other partitions are merged, keeping entries of the rest.
      if (partition === SINGLE_PARTITION) this.cache.deserialize(data);
      else this.cache.merge(data);
      // The copy lacks this process's changes the store has not taken (see write): memory keeps them.
      this.#reapply(partition);
      this.state.seen.set(partition, data);
      this.state.absorbed++;
    } catch (error) {
      this.#notCacheJson(partition, error, 'ignored');
    }
  }

  /** Warns of a partition that is not valid cache JSON (other errors propagate). */
  #notCacheJson(partition: string, error: unknown, outcome: string): void {
    if (!(error instanceof CacheFormatError)) throw error;
    this.#log.log('warning', `Cache partition "${this.#log.partition(partition)}" is not valid cache JSON; ${outcome}`);
  }
}

/**
 * Writes the changes of every partition the store has not taken yet (see CachePersistence.write).
 * Outside the class: only Node's clients call it (getAccounts with 'perKey'), so browsers carry none of it.
 */
export async function flushPending(persistence: CachePersistence, signal?: AbortSignal): Promise<void> {
  for (const partition of [...persistence.state.pending.keys()]) await persistence.write(partition, nothing, signal);
}
