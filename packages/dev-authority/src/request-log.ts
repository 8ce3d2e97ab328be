import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { ClientAuthSeen, RecordedRequest, RequestFilter } from './types.js';

/** Records what tests need to count requests, never secrets, passwords, codes or tokens. */
export class RequestLog {
  readonly requests: RecordedRequest[] = [];
  readonly #byRequest = new WeakMap<IncomingMessage, RecordedRequest>();

  start(req: IncomingMessage): RecordedRequest {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const entry: RecordedRequest = { method: req.method ?? 'GET', path: url.pathname };
    // Diagnostics, not secrets: what a client sends for support to correlate.
    const id = req.headers['client-request-id'] ?? url.searchParams.get('client-request-id') ?? undefined;
    if (typeof id === 'string') entry.clientRequestId = id;
    if (req.headers['return-client-request-id'] === 'true') entry.returnClientRequestId = true;
    if (entry.method === 'GET' && url.search) entry.queryParameters = [...new Set(url.searchParams.keys())];
    if (req.headers.dpop) Object.assign(entry, dpopSeen(String(req.headers.dpop)));
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
        (filter.clientId === undefined || r.clientId === filter.clientId) &&
        (filter.dpopProof === undefined || !!r.dpopProof === filter.dpopProof),
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

/**
 * How a request authenticated the client, as sent: the method and, for assertions, the JOSE
 * header (alg, kid, x5t...; never the signature or claims).
 */
export function clientAuthentication(params: Record<string, unknown>, authorization: string): ClientAuthSeen {
  if (typeof params.client_secret === 'string' && params.client_secret) return { authMethod: 'client_secret_post' };
  if (authorization.toLowerCase().startsWith('basic ')) return { authMethod: 'client_secret_basic' };
  if (typeof params.client_assertion !== 'string') return {};
  let header: Record<string, unknown> | undefined;
  try {
    header = JSON.parse(Buffer.from(params.client_assertion.split('.')[0] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return { authMethod: 'private_key_jwt' };
  }
  const hmac = typeof header.alg === 'string' && header.alg.startsWith('HS');
  return { authMethod: hmac ? 'client_secret_jwt' : 'private_key_jwt', assertionHeader: header };
}

/**
 * What a DPoP proof says about the client, read without checking it (oidc-provider checks it):
 * its key's RFC 7638 thumbprint and its nonce, so tests can compare them with the token's `cnf.jkt`.
 */
function dpopSeen(proof: string): Pick<RecordedRequest, 'dpopProof' | 'dpopJkt' | 'dpopNonce'> {
  try {
    const [header, payload] = proof.split('.').slice(0, 2).map((part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>);
    const { kty, crv, x, y } = header!.jwk as Record<string, unknown>;
    const seen: Pick<RecordedRequest, 'dpopProof' | 'dpopJkt' | 'dpopNonce'> = {
      dpopProof: true,
      dpopJkt: createHash('sha256').update(JSON.stringify({ crv, kty, x, y })).digest('base64url'),
    };
    if (typeof payload!.nonce === 'string') seen.dpopNonce = payload!.nonce;
    return seen;
  } catch {
    return { dpopProof: true }; // not a JWT with an EC jwk: the provider refuses it and says why
  }
}
