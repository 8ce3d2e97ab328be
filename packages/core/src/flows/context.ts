import type { Authority } from '../authority/authority.js';
import type { AuthorityMetadata } from '../authority/discovery.js';
import type { CachePartitioning, CachePersistence } from '../cache/cache-store.js';
import type { ClientAuthenticator } from '../client/client-credential.js';
import type { SingleFlight } from '../client/single-flight.js';
import type { IdTokenSignatureVerifier } from '../crypto/id-token.js';
import type { HttpClient } from '../http/http-client.js';
import type { ThrottleMemory } from '../http/throttling.js';
import type { LogSink } from '../logger.js';
import type { AccountInfo } from '../results.js';

/**
 * Serializes refresh-token redemption for one account across tabs or processes (Web Locks, a
 * file lock). Core re-reads the cache inside it and refreshes only if still needed, so N waiters
 * whose token expired make one refresh request (rotating refresh tokens stay valid).
 */
export type RefreshLock = <T>(account: AccountInfo, work: () => Promise<T>) => Promise<T>;

/** What every flow needs from the client that runs it. Flows are functions over this. */
export interface FlowContext {
  clientId: string;
  authority: Authority;
  http: HttpClient;
  log: LogSink;
  persistence: CachePersistence;
  partitioning: CachePartitioning;
  singleFlight: SingleFlight;
  metadata(authority: Authority, signal?: AbortSignal): Promise<AuthorityMetadata>;
  /** Confidential clients authenticate; public clients send only client_id. */
  authenticate?: ClientAuthenticator;
  clientCapabilities: readonly string[];
  /** OIDC scopes the app asked us not to add (MSAL's exclude_scopes). */
  excludeScopes: readonly string[];
  verifySignature?: IdTokenSignatureVerifier;
  /** Seconds of clock skew tolerated in ID-token checks. */
  clockSkew: number;
  /** Seconds since the epoch; injectable for tests. */
  now(): number;
  refreshLock?: RefreshLock;
  /** Request shapes the server throttled (MSAL's throttling cache); none kept when absent. */
  throttles?: ThrottleMemory;
}

/** Options every token method accepts. */
export interface RequestOptions {
  signal?: AbortSignal;
  /** A claims challenge (JSON) from a resource, merged with the client capabilities. */
  claims?: string;
  /** Send the request to this tenant instead of the configured one (Entra). */
  tenant?: string;
  correlationId?: string;
}
