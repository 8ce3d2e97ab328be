import { TesseraError } from '@tessera/core';

/**
 * A cache store could not be reached or used (Redis down or timing out, file system error).
 * The message names the store and the reason; it never contains cache data or tokens.
 * Core's cache persistence catches it, logs a warning and carries on with the in-memory cache.
 */
export class CacheStoreUnavailableError extends TesseraError {
  /** Which store failed, e.g. "redis" or "file". */
  readonly store: string;
  constructor(store: string, message: string, code = 'cache_store_unavailable') {
    super(code, message);
    this.store = store;
  }
}

/** Why a store refused what it found. */
export type CacheStoreRefusal = 'owner' | 'mode' | 'symlink' | 'not_a_file' | 'too_large' | 'lock_owner' | 'corrupt';

/**
 * The store refused data it cannot trust, and neither read nor changed it: a cache file owned by
 * another user, writable by group or others, a symbolic link or not a regular file, larger than the
 * size cap, a lock held by another user, or (with `onCorrupt: 'refuse'`) a value that is not cache
 * JSON. The message names the file or key (see `target`) and how to fix it. Code `cache_store_refused`.
 */
export class CacheStoreRefusedError extends CacheStoreUnavailableError {
  /**
   * The file or Redis key that was refused, as the message names it: a per-account partition's
   * without the account id, unless the store's `piiLoggingEnabled` is on.
   */
  readonly target: string;
  /** Why it was refused (see CacheStoreRefusal). */
  readonly reason: CacheStoreRefusal;
  constructor(store: string, target: string, reason: CacheStoreRefusal, message: string) {
    super(store, message, 'cache_store_refused');
    this.target = target;
    this.reason = reason;
  }
}

/**
 * A read-modify-write could not complete because other writers kept the partition busy:
 * the file lock was not acquired in time, or Redis compare-and-set lost every attempt.
 */
export class CacheStoreBusyError extends TesseraError {
  /** Which store was busy, e.g. "redis" or "file". */
  readonly store: string;
  constructor(store: string, message: string) {
    super('cache_store_busy', message);
    this.store = store;
  }
}

// One description of causes for every package (core's: the innermost cause's code and first line).
export { describeCause } from '@tessera/core';
