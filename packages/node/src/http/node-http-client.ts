import { ConfigurationError, FetchHttpClient, type FetchFunction, type HttpClient, type HttpRequest, type HttpResponse, NetworkError } from '@tessera/core';
import type { Dispatcher } from 'undici';
import { readingChallenges } from './challenge.js';
import { type TransportOptions, createDispatcher } from './dispatcher.js';

export type { TransportOptions } from './dispatcher.js';

/** Options of NodeHttpClient: transport settings plus the response size limit. */
export interface NodeHttpClientOptions extends TransportOptions {
  /** Responses larger than this are refused (default 1 MiB, as in core). */
  maxResponseBytes?: number;
}

/**
 * Core's HttpClient over undici's fetch, with proxy (explicit or from the environment),
 * extra CA certificates and timeouts. Retries and per-attempt deadlines stay in core.
 */
export class NodeHttpClient implements HttpClient {
  private dispatcher?: Promise<Dispatcher>;
  private readonly inner: HttpClient;

  constructor(options: NodeHttpClientOptions = {}) {
    // The dispatcher (and undici) come with the first request, keeping `import` cheap.
    this.inner = readingChallenges(new FetchHttpClient({ fetch: fetchVia(() => (this.dispatcher ??= createDispatcher(options))), maxResponseBytes: options.maxResponseBytes }));
  }

  /**
   * Sends the request. An error answer whose OAuth error is only in `WWW-Authenticate` (an empty or
   * non-JSON body) comes back with that error as its JSON body (see readingChallenges), so core
   * reports the server's error code instead of "not valid JSON".
   */
  send(request: HttpRequest): Promise<HttpResponse> {
    return this.inner.send(request);
  }

  /** Closes pooled connections; later requests fail. */
  async close(): Promise<void> {
    await (await this.dispatcher)?.close();
  }
}

/**
 * The transport for Node apps: the caller's own `httpClient` when given (it replaces ours
 * entirely, so proxy/CA options would be silently ignored: refused instead), reading OAuth errors
 * given only in `WWW-Authenticate` as NodeHttpClient does (readingChallenges); else NodeHttpClient.
 */
export function createNodeHttpClient(options: NodeHttpClientOptions & { httpClient?: HttpClient } = {}): HttpClient {
  if (!options.httpClient) return new NodeHttpClient(options);
  if (options.proxy !== undefined || options.noProxy !== undefined || options.ca !== undefined || options.timeoutMs !== undefined || options.maxResponseBytes !== undefined) {
    throw new ConfigurationError('`httpClient` replaces the Node transport: configure proxy, noProxy, ca, timeoutMs and maxResponseBytes on it instead');
  }
  return readingChallenges(options.httpClient);
}

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** undici's fetch bound to a dispatcher; its opaque "fetch failed" becomes the underlying reason. */
function fetchVia(dispatcher: () => Promise<Dispatcher>): FetchFunction {
  return async (input, init) => {
    try {
      const [{ fetch: undiciFetch }, via] = await Promise.all([import('undici'), dispatcher()]);
      // undici's Request/Response types are structurally the DOM ones FetchHttpClient expects.
      return (await undiciFetch(input, { ...(init as object), dispatcher: via })) as unknown as Response;
    } catch (error) {
      throw transportReason(error, init?.method ?? 'GET', input);
    }
  };
}

/** Core wraps plain errors as NetworkError with the URL; timeouts get their own code here. */
function transportReason(error: unknown, method: string, url: string): unknown {
  if ((error as Error)?.name === 'AbortError') return error;
  const cause = (error as { cause?: unknown })?.cause;
  if (!(cause instanceof Error)) return error;
  const code = (cause as { code?: string }).code;
  if (code && TIMEOUT_CODES.has(code)) {
    const where = new URL(url);
    return new NetworkError(`${method} ${where.origin}${where.pathname} timed out: ${cause.message}`, { code: 'timeout', cause });
  }
  return cause;
}
