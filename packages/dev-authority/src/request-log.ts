import type { IncomingMessage } from 'node:http';
import type { RecordedRequest, RequestFilter } from './types.js';

/** Records what tests need to count requests, never secrets, passwords, codes or tokens. */
export class RequestLog {
  readonly requests: RecordedRequest[] = [];
  readonly #byRequest = new WeakMap<IncomingMessage, RecordedRequest>();

  start(req: IncomingMessage): RecordedRequest {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const entry: RecordedRequest = { method: req.method ?? 'GET', path: url.pathname };
    if (entry.method === 'GET' && url.search) entry.queryParameters = [...new Set(url.searchParams.keys())];
    this.requests.push(entry);
    this.#byRequest.set(req, entry);
    return entry;
  }

  /** The provider fills grant_type/client_id in once it has parsed the body. */
  entryFor(req: IncomingMessage): RecordedRequest | undefined {
    return this.#byRequest.get(req);
  }

  count(filter: RequestFilter): number {
    return this.requests.filter(
      (r) =>
        (filter.path === undefined || r.path === filter.path) &&
        (filter.grantType === undefined || r.grantType === filter.grantType) &&
        (filter.clientId === undefined || r.clientId === filter.clientId),
    ).length;
  }

  clear(): void {
    this.requests.length = 0;
  }
}

/** client_id from an HTTP Basic Authorization header (the secret is ignored). */
export function basicClientId(header: string | undefined): string | undefined {
  if (!header?.toLowerCase().startsWith('basic ')) return undefined;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  try {
    return decodeURIComponent(decoded.slice(0, colon));
  } catch {
    return undefined;
  }
}
