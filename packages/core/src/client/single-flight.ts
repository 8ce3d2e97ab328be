/** Concurrent calls with the same key share one in-flight promise (one network call). */
export class SingleFlight {
  readonly #inflight = new Map<string, Promise<unknown>>();

  /** Runs `work`, or joins the call already running under `key`. */
  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const existing = this.#inflight.get(key);
    if (existing) return existing as Promise<T>;
    const p = work().finally(() => this.#inflight.delete(key));
    this.#inflight.set(key, p);
    return p;
  }

  /** How many calls are in flight. */
  get size(): number {
    return this.#inflight.size;
  }
}

/** Like single-flight, but a success is kept for later callers; a failure is forgotten so the next caller retries. */
export function rememberUnlessFailed<T>(memo: Map<string, Promise<T>>, key: string, work: () => Promise<T>): Promise<T> {
  let pending = memo.get(key);
  if (!pending) {
    pending = work();
    memo.set(key, pending);
    pending.catch(() => memo.delete(key));
  }
  return pending;
}
