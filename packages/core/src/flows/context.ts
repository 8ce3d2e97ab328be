import type { Authority } from '../authority/authority.js';
import type { AuthorityMetadata } from '../authority/discovery.js';
import type { CachePartitioning, CachePersistence } from '../cache/cache-store.js';
import type { ClientAuthenticator } from '../client/client-credential.js';
import type { SingleFlight } from '../client/single-flight.js';
import type { DpopSession } from '../crypto/dpop.js';
import type { IdTokenSignatureVerifier } from '../crypto/id-token.js';
import type { HttpClient, HttpRequest } from '../http/http-client.js';
import type { TokenResponse } from '../http/schemas.js';
import { TesseraError } from '../errors.js';
import type { LogSink } from '../logger.js';
import type { PushedAuthorizationRequests } from './pushed-authorization.js';
import type { AccountInfo, AuthenticationResult } from '../results.js';
import type { TokenRequest } from './token-request.js';
import type { SilentOptions } from './silent.js';

/**
 * Serializes refresh-token redemption for one account across tabs or processes (Web Locks, a
 * file lock). Core re-reads the cache inside it and refreshes only if still needed, so N waiters
 * whose token expired make one refresh request (rotating refresh tokens stay valid).
 */
export type RefreshLock = <T>(account: AccountInfo, work: () => Promise<T>, signal?: AbortSignal) => Promise<T>;

/**
 * Runs `work` holding the lock `name` among every client sharing the cache store (see
 * `defaultAcquisitionLock`): app-only and on-behalf-of acquisitions re-read the store inside it, so
 * instances asking for one new token make one request.
 */
export type AcquisitionLock = <T>(name: string, work: () => Promise<T>, signal?: AbortSignal) => Promise<T>;

/** What every flow needs from the client that runs it. Flows are functions over this. */
export interface FlowContext {
  /** The client id. */
  clientId: string;
  /** The configured authority. */
  authority: Authority;
  /** The transport, with the retry policy around it. */
  http: HttpClient;
  /** Where flows log. */
  log: LogSink;
  /** The cache and its store. */
  persistence: CachePersistence;
  /** How the persisted cache is partitioned. */
  partitioning: CachePartitioning;
  /** Shares one request between identical concurrent calls. */
  singleFlight: SingleFlight;
  /** The authority's metadata (discovery), cached per process for METADATA_MAX_AGE_SECONDS; `http`, when given, sends the requests (a call's, with its correlation id). */
  metadata(authority: Authority, signal?: AbortSignal, http?: HttpClient): Promise<AuthorityMetadata>;
  /** Confidential clients authenticate; public clients send only client_id. */
  authenticate?: ClientAuthenticator;
  /** Client capabilities sent in the claims request, e.g. `CP1`. */
  clientCapabilities: readonly string[];
  /** OIDC scopes the app asked us not to add (MSAL's exclude_scopes). */
  excludeScopes: readonly string[];
  /** Checks ID-token signatures when set. */
  verifySignature?: IdTokenSignatureVerifier;
  /** Seconds of clock skew tolerated in ID-token checks. */
  clockSkew: number;
  /** Seconds since the epoch; injectable for tests. */
  now(): number;
  /**
   * Serializes refresh-token redemption across tabs or processes when set. It must serialize the
   * refreshes within this process too (ClientApplication's does, per TokenCache): two concurrent
   * redemptions of one rotating refresh token get the grant revoked by providers with reuse detection.
   */
  refreshLock?: RefreshLock;
  /** Set when the cache store can lock (shared between instances). */
  acquisitionLock?: AcquisitionLock;
  /**
   * Runs every token request, `send`, with what a client adds around it: ClientApplication's
   * throttling memory (MSAL's throttling cache) and the tenant ids its tokens name. Browsers set
   * none, so their bundles carry neither.
   */
  aroundTokenRequest?: (ctx: FlowContext, req: TokenRequest, send: () => Promise<AuthenticationResult>) => Promise<AuthenticationResult>;
  /** Headers every request carries (Entra's x-client-* and x-ms-lib-capability; see libraryHeaders). */
  libraryHeaders?: Readonly<Record<string, string>>;
  /** Entra tenants named by domain -> their tenant id (GUID), learnt from discovery or a token's tid. */
  tenantIds?: Map<string, string>;
  /** The correlation id of the call this context runs (see forCall). */
  correlationId?: string;
  /** When authorization requests are pushed (RFC 9126); default `'auto'`. */
  pushedAuthorizationRequests?: PushedAuthorizationRequests;
  /** Headers every token request carries: the app's identity (MSAL's `x-app-name`, `x-app-ver`). */
  appHeaders?: Record<string, string>;
  /**
   * How a silent call refreshes when there is more to it than redeeming the app's own refresh token
   * (`refreshOwn`; `redeem` redeems any). ClientApplication's tries the family refresh token first
   * (FOCI: Entra public clients, see refreshWithFamily) and, with a cache store, reads the store
   * again after an invalid_grant (see refreshRacingPeers). Absent (browsers): `refreshOwn`.
   */
  silentRefresh?: SilentRefresh;
  /**
   * The Entra region whose token endpoint app-only requests go to (see ConfidentialClientOptions.azureRegion):
   * configured, or detected on first use; undefined from it means the global endpoint.
   */
  azureRegion?: () => Promise<string | undefined>;
  /**
   * Set when tokens are bound to a DPoP key (RFC 9449), always with sendWithDpop: spread
   * `dpopContext(session)` into the context (a token request with `dpop` alone is a ConfigurationError).
   */
  dpop?: DpopSession;
  /**
   * Set with `dpop`, only by dpopContext: sends a token request with DPoP proofs, retried once for the
   * server's nonce, and checks that the answer is a DPoP token. Apart from core's token request,
   * so that apps without DPoP bundle none of it.
   * @internal
   */
  sendWithDpop?: (ctx: FlowContext, metadata: AuthorityMetadata, url: string, send: TokenSend) => Promise<TokenResponse>;
}

/** Posts a token request through `http`, with the headers `fresh` makes anew for each send (a DPoP proof). */
export type TokenSend = (http: HttpClient, fresh: () => Promise<Record<string, string>>) => Promise<TokenResponse>;

/** Who is calling, for Entra's diagnostics headers (MSAL's libraryInfo). */
export interface LibraryInfo {
  /** x-client-SKU, e.g. `tessera.js.node`. */
  sku: string;
  /** x-client-VER. */
  version: string;
  /** x-client-OS (a platform package knows it; browsers leave it out). */
  os?: string;
}

/**
 * The headers Entra support reads on every request (MSAL sends the same): who the library is,
 * and that it understands Retry-After and 429 (x-ms-lib-capability). Entra-specific: empty for
 * other providers.
 */
export function libraryHeaders(entra: boolean, { sku, version, os }: LibraryInfo): Record<string, string> {
  return entra ? { 'x-client-SKU': sku, 'x-client-VER': version, 'x-ms-lib-capability': 'retry-after, h429', ...(os ? { 'x-client-OS': os } : {}) } : {};
}

/**
 * How a call's correlation id and the library headers travel on one of its requests (see forCall):
 * `diagnosticHeaders` or `diagnosticParameters`.
 */
export type CallDiagnostics = (request: HttpRequest, correlationId: string, library?: Readonly<Record<string, string>>) => HttpRequest;

/** Servers (as MSAL node): `client-request-id`, `return-client-request-id` and the library headers on every request. */
export const diagnosticHeaders: CallDiagnostics = (r, id, library) => ({ ...r, headers: { ...library, 'client-request-id': id, 'return-client-request-id': 'true', ...r.headers } });

/**
 * Browsers (as msal-browser): custom headers would make every token request a CORS preflight, which
 * a provider need not allow, so POSTs (token, pushed authorization) carry `client-request-id` in the
 * query and the library headers (Entra's only, empty elsewhere) as body parameters; servers ignore
 * parameters they do not know (RFC 6749 3.1, 3.2). Discovery GETs go as they are.
 */
export const diagnosticParameters: CallDiagnostics = (r, id, library) => {
  if (r.method !== 'POST') return r;
  const url = new URL(r.url);
  url.searchParams.set('client-request-id', id);
  const extra = String(new URLSearchParams(library));
  return { ...r, url: url.href, body: extra ? `${r.body}&${extra}` : r.body };
};

/**
 * The context for one call: its correlation id `id` (the caller's, else a fresh UUID), which every
 * request the call makes, discovery included, carries with the library headers, as `diagnostics` puts them.
 */
export function forCall(ctx: FlowContext, id: string, diagnostics: CallDiagnostics): FlowContext & { correlationId: string } {
  // A child of the client's context, not a copy: spreading its ~20 fields would cost a cache hit
  // microseconds (see the cache-hit budget); headers are built only when a request is sent.
  const call = Object.create(ctx) as FlowContext & { correlationId: string };
  const withDiagnostics = (r: HttpRequest): HttpRequest => {
    const out = diagnostics(r, id, ctx.libraryHeaders);
    // Copies sent again (see HttpRequest.renew) carry them too.
    const renew = r.renew;
    return renew ? { ...out, renew: async () => withDiagnostics(await renew()) } : out;
  };
  const http: HttpClient = { send: (r: HttpRequest) => ctx.http.send(withDiagnostics(r)) };
  call.correlationId = id;
  call.http = http;
  call.metadata = (a, signal) => ctx.metadata(a, signal, http);
  return call;
}

/**
 * Runs `work` as one call with correlation id `id` (see forCall) and stamps it on any TesseraError
 * the call throws, so every error can be quoted to the provider's support.
 */
export function runCall<T>(ctx: FlowContext, id: string, diagnostics: CallDiagnostics, work: (ctx: FlowContext) => Promise<T>): Promise<T> {
  return work(forCall(ctx, id, diagnostics)).catch((error: unknown) => rethrowWithId(error, id));
}

/**
 * Rethrows an error of the call with correlation id `id`: a TesseraError with the id on it. An error
 * without that id is thrown as a copy that has it: concurrent calls share errors (one token request
 * in SingleFlight, one discovery), and each must get its own id, not that of the call that stamped first.
 */
export function rethrowWithId(error: unknown, id: string): never {
  if (error instanceof TesseraError && error.correlationId !== id) {
    // Every own property (message, stack, cause, the server's fields), the class by the prototype.
    error = Object.create(Object.getPrototypeOf(error), Object.getOwnPropertyDescriptors(error));
    (error as TesseraError).correlationId = id;
  }
  throw error;
}

/** See FlowContext.silentRefresh. */
export type SilentRefresh = (
  ctx: FlowContext,
  authority: Authority,
  options: SilentOptions & { scopes: string[] },
  refreshOwn: () => Promise<AuthenticationResult>,
  redeem: (refreshToken: string, grantedScopes?: string) => Promise<AuthenticationResult>,
) => Promise<AuthenticationResult>;

/** Options every token method accepts. */
export interface RequestOptions {
  /** Aborts the call (AbortError); the shared request goes on for other callers. */
  signal?: AbortSignal;
  /** A claims challenge (JSON) from a resource, merged with the client capabilities. */
  claims?: string;
  /** Send the request to this tenant instead of the configured one (Entra). */
  tenant?: string;
  /** Sent as `client-request-id` so server logs can be matched with yours. */
  correlationId?: string;
}
