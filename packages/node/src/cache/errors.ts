import { TesseraError } from '@tessera/core';

/**
 * A cache store could not be reached or used (Redis down or timing out, file system error).
 * The message names the store and the reason; it never contains cache data or tokens.
 * Core's cache persistence catches it, logs a warning and carries on with the in-memory cache.
 */
export class CacheStoreUnavailableError extends TesseraError {
  /** Which store failed, e.g. "redis" or "file". */
  readonly store: string;
  constructor(store: string, message: string) {
    super('cache_store_unavailable', message);
    this.store = store;
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
