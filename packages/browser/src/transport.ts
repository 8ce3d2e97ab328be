import { AbortError, type HttpClient, NetworkError } from '@tessera/core';

/**
 * The browser's fetch as core's HttpClient, without core's FetchHttpClient extras (a cross-fetch
 * fallback, streamed size limits) that a page does not need. Each request gets `timeoutMs`: a
 * refresh holds the cross-tab lock, so it must not wait forever. No retries: pass `httpClient`.
 */
export function fetchTransport(timeoutMs = 30_000): HttpClient {
  return {
    async send({ url, method, headers, body, signal }) {
      const limit = new AbortController();
      const stop = () => limit.abort();
      const timer = setTimeout(stop, timeoutMs);
      if (signal?.aborted) stop();
      signal?.addEventListener('abort', stop);
      try {
        const response = await fetch(url, { method, headers, body, signal: limit.signal });
        return { status: response.status, headers: Object.fromEntries(response.headers), body: await response.text() };
      } catch (error) {
        if (signal?.aborted) throw new AbortError(signal.reason);
        const timedOut = limit.signal.aborted;
        throw new NetworkError(`${method} ${url.split('?')[0]} ${timedOut ? `timed out after ${timeoutMs} ms` : `failed: ${(error as Error).message}`}`, {
          cause: error,
          code: timedOut ? 'timeout' : undefined,
        });
      } finally {
        clearTimeout(timer);
        signal?.removeEventListener('abort', stop);
      }
    },
  };
}
