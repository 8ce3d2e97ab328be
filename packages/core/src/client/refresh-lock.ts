import type { AcquisitionLock, RefreshLock } from '../flows/context.js';
import type { AccountInfo } from '../results.js';
import type { CacheStore } from '../cache/cache-store.js';
import type { TokenCache } from '../cache/token-cache.js';

/**
 * Waiters per lock name, per what clients share in this process: their cache store (clients built
 * per request over one store each have a TokenCache of their own), else their TokenCache.
 */
const inProcess = new WeakMap<object, Map<string, Promise<void>>>();

/** The lock name of an account's refresh: its refresh tokens are filed under home account and environment. */
export function refreshLockName(account: Pick<AccountInfo, 'homeAccountId' | 'environment'>): string {
  return `refresh:${account.environment.toLowerCase()}:${account.homeAccountId.toLowerCase()}`;
}

/** Runs `work` after every earlier holder of `name` on `shared` (a cache store or TokenCache) finished (FIFO). */
function runExclusive<T>(shared: object, name: string, work: () => Promise<T>): Promise<T> {
  let tails = inProcess.get(shared);
  if (!tails) inProcess.set(shared, (tails = new Map()));
  const earlier = tails.get(name) ?? Promise.resolve();
  const run = earlier.then(work);
  const tail = run.then(
    () => undefined,
    () => undefined,
  );
  tails.set(name, tail);
  void tail.then(() => {
    if (tails.get(name) === tail) tails.delete(name);
  });
  return run;
}

/**
 * The refresh lock a client uses by default: one refresh per account at a time among the clients
 * of this process sharing its cache store (else its TokenCache), so that clients over a store that
 * cannot lock never redeem one rotating refresh token twice; then, inside that, the lock of the
 * app's own `refreshLock` or of the cache store (other processes, machines, tabs). Only refreshes
 * take it, never cache hits.
 */
export function defaultRefreshLock(cache: TokenCache, outer: RefreshLock | undefined, store: CacheStore | undefined): RefreshLock {
  const shared: RefreshLock | undefined =
    outer ?? (store?.lock ? (account, work, signal) => store.lock!(refreshLockName(account), work, signal) : undefined);
  return (account, work, signal) => runExclusive(store ?? cache, refreshLockName(account), shared ? () => shared(account, work, signal) : work);
}

/**
 * The lock around a token acquisition that is not a user's silent refresh (client credentials,
 * on-behalf-of): one request per token among the clients sharing this TokenCache and, through the
 * store's `lock`, among every instance sharing the store. The holder asks the authority; the others
 * wait, then re-read the store and take its answer. When the store cannot give the lock (busy past
 * its bounded wait, unreachable), the caller asks the authority itself: that costs a request, not the call.
 */
export function defaultAcquisitionLock(cache: TokenCache, store: CacheStore | undefined): AcquisitionLock | undefined {
  const lock = store?.lock?.bind(store);
  if (!lock) return undefined;
  return (name, work, signal) =>
    runExclusive(cache, name, async () => {
      let started = false;
      try {
        return await lock(name, () => {
          started = true;
          return work();
        }, signal);
      } catch (error) {
        if (started || signal?.aborted) throw error;
        return work();
      }
    });
}
