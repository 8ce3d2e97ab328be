import { AbortError } from '../errors.js';
import { abortable } from '../http/retry.js';

/** One shared call: its promise, the signal its work runs with, and how many callers still wait for it. */
interface Flight {
  promise: Promise<unknown>;
  stop: AbortController;
  waiting: number;
}

/**
 * Concurrent calls with the same key share one in-flight promise (one network call). Each caller's
 * AbortSignal ends only its own wait; the shared work, which runs with a signal of its own, is
 * stopped only when every caller has aborted (a caller without a signal waits to the end).
 */
export class SingleFlight {
  readonly #inflight = new Map<string, Flight>();

  /**
   * Runs `work`, or joins the call already running under `key`; `signal` is this caller's. A caller
   * that joins with its `correlationId` gets a copy of the result (an object) with that id, not
   * the one of the call that sent the request; errors get it from the caller's runCall.
   */
  run<T>(key: string, signal: AbortSignal | undefined, work: (signal: AbortSignal) => Promise<T>, correlationId?: string): Promise<T> {
    // A caller that has given up already neither starts nor joins a call.
    if (signal?.aborted) return Promise.reject(new AbortError(signal.reason));
    const inflight = this.#inflight;
    let joined = inflight.get(key);
    let promise: Promise<T>;
    // A call every caller gave up on is ending: a new caller starts its own.
    if (!joined || joined.stop.signal.aborted) {
      const stop = new AbortController();
      const started: Flight = { promise: work(stop.signal).finally(() => inflight.get(key) === started && inflight.delete(key)), stop, waiting: 0 };
      // Callers get the outcome through their own waits (below); a call every caller left ends unobserved.
      started.promise.catch(() => undefined);
      inflight.set(key, (joined = started));
      promise = started.promise as Promise<T>;
    } else {
      promise = joined.promise as Promise<T>;
      if (correlationId) promise = promise.then((value) => ({ ...value, correlationId }));
    }
    // Joined: this caller's signal ends only its own wait, unless it is the last one waiting.
    joined.waiting++;
    return abortable(promise, signal, () => {
      if (--joined.waiting === 0) joined.stop.abort(signal!.reason);
    });
  }
}
