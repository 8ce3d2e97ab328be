import { AbortError, InvalidResponseError, NetworkError, describeCause, throwIfAborted } from '../errors.js';

/** A request core asks the transport to send. */
export interface HttpRequest {
  /** The HTTP method. */
  method: 'GET' | 'POST';
  /** The absolute URL. */
  url: string;
  /** Request headers. */
  headers?: Record<string, string>;
  /** The body (form-encoded for token requests). */
  body?: string;
  /** Aborts the request. */
  signal?: AbortSignal;
  /**
   * A fresh copy for sending again (a retry): single-use parts, such as a client assertion or a
   * DPoP proof, made anew. Without it the same request is sent again.
   */
  renew?: () => Promise<HttpRequest>;
}

/** The transport's answer: status, lower-cased headers and the body as text. */
export interface HttpResponse {
  /** The HTTP status. */
  status: number;
  /** Header names in lower case. */
  headers: Record<string, string>;
  /** The body as text. */
  body: string;
}

/** The one way core reaches the network. Replace it to add proxies, tracing or test doubles. */
export interface HttpClient {
  /** Sends the request; rejects with NetworkError (or AbortError) when no HTTP answer came. */
  send(request: HttpRequest): Promise<HttpResponse>;
}

/** A WHATWG `fetch`. */
export type FetchFunction = (input: string, init?: RequestInit) => Promise<Response>;

/** Responses larger than this are refused: an identity provider never needs more. */
export const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;

/** Options of FetchHttpClient. */
export interface FetchHttpClientOptions {
  /** Defaults to globalThis.fetch, or `cross-fetch` where the runtime has none. */
  fetch?: FetchFunction;
  /** Larger bodies are refused (InvalidResponseError `response_too_large`); default 1 MiB. */
  maxResponseBytes?: number;
}

/** HttpClient over a WHATWG fetch function. */
export class FetchHttpClient implements HttpClient {
  private fetchFn?: Promise<FetchFunction>;
  private readonly maxBytes: number;

  /** @param options - fetch and size limit. */
  constructor(private readonly options: FetchHttpClientOptions = {}) {
    this.maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  }

  async send(request: HttpRequest): Promise<HttpResponse> {
    throwIfAborted(request.signal);
    const fetchFn = await (this.fetchFn ??= resolveFetch(this.options.fetch));
    let response: Response;
    try {
      response = await fetchFn(request.url, {
        method: request.method,
        headers: request.headers,
        body: request.body,
        signal: request.signal,
        redirect: 'manual',
      });
    } catch (error) {
      throw toTransportError(error, request);
    }
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      headers[name.toLowerCase()] = value;
    });
    let body: string;
    try {
      body = await readLimited(response, this.maxBytes);
    } catch (error) {
      if (error instanceof InvalidResponseError) throw error;
      throw toTransportError(error, request);
    }
    return { status: response.status, headers, body };
  }
}

async function resolveFetch(explicit?: FetchFunction): Promise<FetchFunction> {
  if (explicit) return explicit;
  if (typeof globalThis.fetch === 'function') return globalThis.fetch.bind(globalThis);
  // Loaded only on runtimes without fetch, so bundles for modern runtimes never carry it.
  const mod = (await import('cross-fetch')) as unknown as { default: FetchFunction };
  return mod.default;
}

/** What a transport failure becomes: AbortError when the caller aborted, else NetworkError naming the endpoint. */
export function toTransportError(error: unknown, request: HttpRequest): Error {
  if (request.signal?.aborted) return new AbortError(request.signal.reason);
  if (error instanceof NetworkError) return error;
  const origin = safeOrigin(request.url);
  return new NetworkError(`${request.method} ${origin} failed: ${describeCause(error)}`, {
    cause: error,
  });
}

export function safeOrigin(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return '<invalid url>';
  }
}

async function readLimited(response: Response, maxBytes: number): Promise<string> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel().catch(() => {});
    throw tooLarge(response.status, maxBytes);
  }
  if (!response.body) return response.text();
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let total = 0;
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge(response.status, maxBytes);
    }
    text += decoder.decode(value, { stream: true });
  }
  return text + decoder.decode();
}

function tooLarge(status: number, maxBytes: number): InvalidResponseError {
  return new InvalidResponseError(`Response body exceeds the ${maxBytes}-byte limit`, status, 'response_too_large');
}
