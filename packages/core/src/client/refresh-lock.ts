import type { RefreshLock } from '../flows/context.js';
import type { AccountInfo } from '../results.js';
import type { CacheStore } from '../cache/cache-store.js';
import type { TokenCache } from '../cache/token-cache.js';

/** Waiters per lock name, per TokenCache: clients sharing one TokenCache share these. */
const inProcess = new WeakMap<TokenCache, Map<string, Promise<void>>>();

/** The lock name of an account's refresh: its refresh tokens are filed under home account and environment. */
export function refreshLockName(account: Pick<AccountInfo, 'homeAccountId' | 'environment'>): string {
  return `refresh:${account.environment.toLowerCase()}:${account.homeAccountId.toLowerCase()}`;
}

/** Runs `work` after every earlier holder of `name` on this cache finished (FIFO). */
function runExclusive<T>(cache: TokenCache, name: string, work: () => Promise<T>): Promise<T> {
  let tails = inProcess.get(cache);
  if (!tails) inProcess.set(cache, (tails = new Map()));
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
 * sharing its TokenCache, then, inside that, the lock of the app's own `refreshLock` or of the
 * cache store (other processes, machines, tabs). Only refreshes take it, never cache hits.
 */
export function defaultRefreshLock(cache: TokenCache, outer: RefreshLock | undefined, store: CacheStore | undefined): RefreshLock {
  const shared: RefreshLock | undefined =
    outer ?? (store?.lock ? (account, work, signal) => store.lock!(refreshLockName(account), work, signal) : undefined);
  return (account, work, signal) => runExclusive(cache, refreshLockName(account), shared ? () => shared(account, work, signal) : work);
}
