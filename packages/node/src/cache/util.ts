import { AbortError } from '@tessera/core';
import { nodeCrypto } from '../node-builtins.js';

/** The default `onWarning` of the cache stores: a process warning of type TesseraCacheWarning. */
export const emitCacheWarning = (message: string): void => process.emitWarning(message, { type: 'TesseraCacheWarning' });

/** The time in a name for a corrupt cache kept aside (`<file>.corrupt-<stamp>`, `<key>:corrupt-<stamp>`). */
export const corruptStamp = (): string => new Date().toISOString().replace(/[-:.]/g, '');

/**
 * Whether a partition's key names a user: core's per-account partitions, `account:<home account id>`.
 * The id is personal data (as in MSAL's logging), so store messages show it only with `piiLoggingEnabled`.
 */
export const isAccountPartition = (partitionKey: string): boolean => partitionKey.startsWith('account:');

/** A partition's short tag (12 hex of its key's SHA-256): tells partitions apart without naming the account. */
export const partitionTag = (partitionKey: string): string => nodeCrypto().createHash('sha256').update(partitionKey).digest('hex').slice(0, 12);

/** `text` with `raw` (a file name or key, and so every name derived from it) shown as `shown`. */
export const showName = (text: string, raw: string, shown: string): string => (raw === shown ? text : text.split(raw).join(shown));

export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new AbortError(signal.reason);
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new AbortError(signal.reason));
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AbortError(signal!.reason));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** `work`, unless the deadline passes (rejects with `timeout()`) or the signal fires (AbortError) first. */
export async function withDeadline<T>(work: Promise<T>, deadline: number, signal: AbortSignal | undefined, timeout: () => Error): Promise<T> {
  throwIfAborted(signal);
  const remaining = deadline - Date.now();
  if (remaining <= 0) throw timeout();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  const stop = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timeout()), remaining);
    if (signal) {
      onAbort = () => reject(new AbortError(signal.reason));
      signal.addEventListener('abort', onAbort, { once: true });
    }
  });
  try {
    return await Promise.race([work, stop]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * Runs tasks one at a time per key, in call order. Waiting for earlier tasks goes through `wait`,
 * so a caller can give up (deadline, abort) without disturbing the queue.
 */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, wait: (earlier: Promise<void>) => Promise<void>, task: () => Promise<T>): Promise<T> {
    const earlier = this.tails.get(key) ?? Promise.resolve();
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    const tail = Promise.all([earlier, finished]).then(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    try {
      await wait(earlier);
      return await task();
    } finally {
      done();
    }
  }
}
