import { AbortError, type HttpClient, NetworkError } from '@tessera/core';

/**
 * The browser's fetch as core's HttpClient, without core's FetchHttpClient extras (a cross-fetch
 * fallback, streamed size limits) that a page does not need. No retries: pass `httpClient` to add them.
 */
export const fetchTransport: HttpClient = {
  async send({ url, method, headers, body, signal }) {
    try {
      const response = await fetch(url, { method, headers, body, signal });
      return { status: response.status, headers: Object.fromEntries(response.headers), body: await response.text() };
    } catch (error) {
      throw signal?.aborted ? new AbortError(signal.reason) : new NetworkError(`${method} ${url.split('?')[0]} failed: ${(error as Error).message}`, { cause: error });
    }
  },
};
