import type { Authority } from '../authority/authority.js';
import type { AuthorityMetadata } from '../authority/discovery.js';
import type { CachePartitioning, CachePersistence } from '../cache/cache-store.js';
import type { ClientAuthenticator } from '../client/client-credential.js';
import type { SingleFlight } from '../client/single-flight.js';
import type { IdTokenSignatureVerifier } from '../crypto/id-token.js';
import type { HttpClient } from '../http/http-client.js';
import type { LogSink } from '../logger.js';
import type { AccountInfo, AuthenticationResult } from '../results.js';

/**
 * Serializes refresh-token redemption for one account across tabs or processes (Web Locks, a
 * file lock). Core re-reads the cache inside it and refreshes only if still needed, so N waiters
 * whose token expired make one refresh request (rotating refresh tokens stay valid).
 */
export type RefreshLock = <T>(account: AccountInfo, work: () => Promise<T>, signal?: AbortSignal) => Promise<T>;

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
  /** The authority's metadata (discovery), cached per process. */
  metadata(authority: Authority, signal?: AbortSignal): Promise<AuthorityMetadata>;
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
  /** Serializes refresh-token redemption across tabs or processes when set. */
  refreshLock?: RefreshLock;
  /** Headers every token request carries: the app's identity (MSAL's `x-app-name`, `x-app-ver`). */
  appHeaders?: Record<string, string>;
  /**
   * Silent refresh that may use the refresh token of the app's family (FOCI, Entra); it calls
   * `refreshOwn` to use the app's own. Absent: only the own refresh token is used.
   */
  familyRefresh?: FamilyRefresh;
  /** The Entra region whose token endpoint app-only requests go to (see ConfidentialClientOptions.azureRegion). */
  azureRegion?: string;
}

/** See FlowContext.familyRefresh. */
export type FamilyRefresh = (
  ctx: FlowContext,
  authority: Authority,
  account: AccountInfo,
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
