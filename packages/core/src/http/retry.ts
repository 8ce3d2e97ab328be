import { AbortError, NetworkError, throwIfAborted } from '../errors.js';
import type { HttpClient, HttpRequest, HttpResponse } from './http-client.js';

/** Retry and timeout policy of a client's requests. */
export interface RetryOptions {
  /** Retries after the first attempt. Default 3. */
  maxRetries?: number;
  /** Per-attempt timeout in ms. Default 30,000. */
  timeoutMs?: number;
  /** First backoff delay in ms, doubled each retry. Default 250. */
  baseDelayMs?: number;
  /** Upper bound on any wait, including a server's Retry-After. Default 60,000. */
  maxDelayMs?: number;
}

const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);

/**
 * Wraps a transport with timeouts and bounded retries: network errors and 408/429/5xx
 * (never other 4xx, which would only repeat the same refusal), honouring Retry-After.
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
  }

  async send(request: HttpRequest): Promise<HttpResponse> {
    for (let attempt = 0; ; attempt++) {
      throwIfAborted(request.signal);
      const last = attempt >= this.maxRetries;
      let response: HttpResponse;
      try {
        response = await this.attempt(request);
      } catch (error) {
        if (!(error instanceof NetworkError) || last) throw error;
        await sleep(this.backoff(attempt), request.signal);
        continue;
      }
      if (!RETRYABLE_STATUS.has(response.status) || last) return response;
      const wait = parseRetryAfter(response.headers['retry-after']);
      await sleep(Math.min(wait ?? this.backoff(attempt), this.maxDelayMs), request.signal);
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
      throw error;
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
 * Waits for a promise that other callers may share (discovery, JWKS), letting this caller's signal
 * end its own wait at once with AbortError; the shared work goes on for the others.
 */
export function abortable<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(new AbortError(signal.reason));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new AbortError(signal.reason));
    signal.addEventListener('abort', onAbort, { once: true });
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
