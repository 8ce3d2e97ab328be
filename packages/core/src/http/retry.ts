import { AbortError, NetworkError, TesseraError, ThrottledError, throwIfAborted } from '../errors.js';
import { type HttpClient, type HttpRequest, type HttpResponse, safeOrigin, toTransportError } from './http-client.js';

/** Retry and timeout policy of a client's requests. */
export interface RetryOptions {
  /** Retries after the first attempt. Default 3. */
  maxRetries?: number;
  /** Per-attempt timeout in ms. Default 30,000. */
  timeoutMs?: number;
  /** First backoff delay in ms, doubled each retry. Default 250. */
  baseDelayMs?: number;
  /**
   * The longest a caller is blocked by one wait. A server's Retry-After up to it is waited out
   * (once); a longer one fails the call at once with ThrottledError carrying the retry time.
   * Default 60,000.
   */
  maxDelayMs?: number;
  /** Milliseconds since the epoch (reads Retry-After dates); for tests. Default Date.now. */
  now?: () => number;
}

const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);

/**
 * A throttling answer (as MSAL's ThrottlingUtils sees it): 429, or a 5xx that says when to come
 * back. Returns when the server accepts requests again (ms since the epoch), else undefined.
 * Without a usable Retry-After, MSAL's default of 60 s.
 */
export function throttledUntil(response: HttpResponse, now: number): number | undefined {
  const after = parseRetryAfter(response.headers['retry-after'], now);
  if (response.status !== 429 && !(response.status >= 500 && after !== undefined)) return undefined;
  return now + (after || DEFAULT_THROTTLE_MS);
}

/** MSAL's DEFAULT_THROTTLE_TIME_SECONDS, for a throttling answer without Retry-After. */
const DEFAULT_THROTTLE_MS = 60_000;

/**
 * Wraps a transport with timeouts and bounded retries: network errors and 408/429/5xx
 * (never other 4xx, which would only repeat the same refusal). A throttled request (see
 * throttledUntil) is retried at most once, after the server's Retry-After in full when that is
 * within maxDelayMs; otherwise, or when the retry is throttled again, ThrottledError.
 * Whatever the transport throws that is not a TesseraError (fetch's TypeError) becomes NetworkError.
 */
export class RetryingHttpClient implements HttpClient {
  private readonly maxRetries: number;
  private readonly timeoutMs: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;

  constructor(
    private readonly inner: HttpClient,
    options: RetryOptions = {},
  ) {
    this.maxRetries = options.maxRetries ?? 3;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.baseDelayMs = options.baseDelayMs ?? 250;
    this.maxDelayMs = options.maxDelayMs ?? 60_000;
    this.now = options.now ?? Date.now;
  }

  private readonly now: () => number;

  async send(first: HttpRequest): Promise<HttpResponse> {
    let throttled = false;
    let request = first;
    for (let attempt = 0; ; attempt++) {
      throwIfAborted(request.signal);
      // A resend of a request the server may have processed: single-use parts must be new.
      if (attempt > 0 && request.renew) request = await request.renew();
      const last = attempt >= this.maxRetries;
      let response: HttpResponse;
      try {
        response = await this.attempt(request);
      } catch (error) {
        if (!(error instanceof NetworkError) || last) throw error;
        await sleep(this.backoff(attempt), request.signal);
        continue;
      }
      if (!RETRYABLE_STATUS.has(response.status)) return response;
      const now = this.now();
      const until = throttledUntil(response, now);
      if (until !== undefined) {
        const wait = parseRetryAfter(response.headers['retry-after'], now) ?? this.backoff(attempt);
        // Once only: a server still throttling after its own Retry-After will not stop for ours.
        if (throttled || wait > this.maxDelayMs || this.maxRetries === 0) {
          const retryAt = new Date(until);
          throw new ThrottledError(`${safeOrigin(request.url)} is throttling requests (HTTP ${response.status}); retry after ${retryAt.toISOString()}`, retryAt, response.status);
        }
        throttled = true;
        await sleep(wait, request.signal);
        continue;
      }
      if (last) return response;
      await sleep(this.backoff(attempt), request.signal);
    }
  }

  private backoff(attempt: number): number {
    return Math.min(this.baseDelayMs * 2 ** attempt, this.maxDelayMs);
  }

  private async attempt(request: HttpRequest): Promise<HttpResponse> {
    const timeout = new AbortController();
    const onAbort = () => timeout.abort(request.signal?.reason);
    request.signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => timeout.abort(new NetworkError('timeout')), this.timeoutMs);
    try {
      return await this.inner.send({ ...request, signal: timeout.signal });
    } catch (error) {
      if (request.signal?.aborted) throw new AbortError(request.signal.reason);
      if (timeout.signal.aborted) {
        throw new NetworkError(`Request timed out after ${this.timeoutMs} ms`, { code: 'timeout', cause: error });
      }
      // fetch rejects with a plain TypeError; a custom transport may throw anything.
      throw error instanceof TesseraError ? error : toTransportError(error, request);
    } finally {
      clearTimeout(timer);
      request.signal?.removeEventListener('abort', onAbort);
    }
  }
}

/** Retry-After as delta-seconds or an HTTP date, in ms; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * Waits for a promise that other callers may share (discovery, JWKS, a single-flight call), letting
 * this caller's signal end its own wait at once with AbortError (then `left` runs); the shared work
 * goes on for the others.
 */
export function abortable<T>(promise: Promise<T>, signal?: AbortSignal, left?: () => void): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(new AbortError(signal.reason));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      reject(new AbortError(signal.reason));
      left?.();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    // Settled: this caller's listener goes (a long-lived signal must not collect one per call).
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** The longest delay a JavaScript timer holds: above it, setTimeout fires after 1 ms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Waits `ms` (at most MAX_TIMER_MS: a longer wait ends early rather than at once). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new AbortError(signal.reason));
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AbortError(signal?.reason));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, Math.min(ms, MAX_TIMER_MS));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
