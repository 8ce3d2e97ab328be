import { type Authority, type AuthorityOptions, forTenant, resolveAuthority } from '../authority/authority.js';
import { type AuthorityMetadata, type HttpCache, fetchMetadataVia, getAuthorityMetadata } from '../authority/discovery.js';
import { looksLikeEntra, validateEntraInstance } from '../authority/instance-discovery.js';
import { type CachePartitioning, type CacheStore, type CacheStoreErrors, CachePersistence, SINGLE_PARTITION, partitionKeys } from '../cache/cache-store.js';
import { defaultRefreshLock } from './refresh-lock.js';
import { TokenCache } from '../cache/token-cache.js';
import type { IdTokenSignatureVerifier } from '../crypto/id-token.js';
import {
  type AcquireTokenByCodeOptions,
  type AuthCodeFlow,
  type AuthResponse,
  type AuthorizationUrlOptions,
  acquireTokenByAuthCodeFlow,
  acquireTokenByCode,
  getAuthorizationRequestUrl,
  initiateAuthCodeFlow,
} from '../flows/auth-code.js';
import type { FlowContext, RefreshLock, RequestOptions } from '../flows/context.js';
import {
  authCodeFlowSchema,
  authorizationUrlOptionsSchema,
  byCodeOptionsSchema,
  requestOptionsSchema,
  scopedRequestOptionsSchema,
  silentOptionsSchema,
} from '../flows/options.js';
import { refreshAccessToken } from '../flows/refresh-token.js';
import { refreshWithFamily } from '../flows/family-refresh.js';
import { type SilentOptions, acquireTokenSilent } from '../flows/silent.js';
import { acquireTokenByUsernamePassword } from '../flows/username-password.js';
import { FetchHttpClient, type HttpClient } from '../http/http-client.js';
import { type RetryOptions, RetryingHttpClient, abortable } from '../http/retry.js';
import { LogSink, type LoggerOptions } from '../logger.js';
import { type AccountInfo, type AuthenticationResult, accountInfo, accountsOf } from '../results.js';
import type { ClientAuthenticator } from './client-credential.js';
import { SingleFlight } from './single-flight.js';
import { checkOptions, nonEmpty } from '../http/schemas.js';
import { checkClientOptions } from './client-options.js';

const codeArgument = nonEmpty('expected the authorization code (a non-empty string)');
const refreshTokenArgument = nonEmpty('expected the refresh token (a non-empty string)');

/** Options of every client: the app registration, the authority, transport, cache and checks. */
export interface ClientApplicationOptions extends AuthorityOptions, LoggerOptions {
  /** The application (client) id registered with the authority. */
  clientId: string;
  /** Replaces the transport (proxies, tracing, tests). Retries and timeouts still wrap it unless `retry: false`. */
  httpClient?: HttpClient;
  /** Retry and timeout policy of token and discovery requests; `false` sends each request once with no timeout. */
  retry?: RetryOptions | false;
  /** Share one in-memory cache between clients. */
  tokenCache?: TokenCache;
  /** Persist the cache (file, Redis, IndexedDB). */
  cacheStore?: CacheStore;
  /** How the persisted cache is split: `'single'` (default, apps and CLIs) or `'perKey'` (services). See "Cache partitions" in the README. */
  cachePartitioning?: CachePartitioning;
  /** When `cacheStore` fails: `'warn'` (default) logs and goes on in memory; `'throw'` fails the call (see CacheStoreErrors). */
  cacheStoreErrors?: CacheStoreErrors;
  /** Persist discovery documents across restarts. */
  httpCache?: HttpCache;
  /** A discovery document (JSON) to use instead of fetching one. */
  authorityMetadata?: string;
  /** Check custom Entra hosts with Entra's instance discovery (default true). */
  instanceDiscovery?: boolean;
  /** Alias of instanceDiscovery, as MSAL names it. */
  validateAuthority?: boolean;
  /** Capabilities the app handles, e.g. ["CP1"] for claims challenges (CAE). */
  clientCapabilities?: string[];
  /** OIDC scopes not to add to user sign-ins, e.g. ["offline_access"]. */
  excludeScopes?: string[];
  /** Checks ID-token signatures, e.g. `jwksSignatureVerifier`. Off by default: tokens come straight from the token endpoint over TLS. */
  idTokenSignatureVerifier?: (http: HttpClient) => IdTokenSignatureVerifier;
  /** Tolerance for `exp`, `nbf` and `iat` checks and for access-token expiry, in seconds (default 300). */
  clockSkewSeconds?: number;
  /** Seconds since the epoch; for tests. */
  now?: () => number;
  /**
   * Cross-tab/cross-process lock around refresh-token redemption (see RefreshLock). Default: the
   * cache store's `lock` when it has one. Clients sharing one TokenCache always take turns.
   */
  refreshLock?: RefreshLock;
  /** The app's name, sent to the token endpoint as `x-app-name` (as MSAL does; shows in Entra's sign-in logs). */
  appName?: string;
  /** The app's version, sent as `x-app-ver`. */
  appVersion?: string;
}

/** MSAL's app identity headers, for the options that are set. */
function appHeaders(options: ClientApplicationOptions): Record<string, string> | undefined {
  const headers: Record<string, string> = {};
  if (options.appName) headers['x-app-name'] = options.appName;
  if (options.appVersion) headers['x-app-ver'] = options.appVersion;
  return Object.keys(headers).length > 0 ? headers : undefined;
}

/** What public and confidential clients share: auth code, refresh, silent, accounts. */
export class ClientApplication {
  /** The application (client) id. */
  readonly clientId: string;
  /** The resolved authority every request goes to (unless a request names a tenant). */
  readonly authority: Authority;
  /** The in-memory token cache (MSAL schema); `serialize()` gives the JSON MSAL tools read. */
  readonly tokenCache: TokenCache;
  protected readonly context: FlowContext;
  private readonly options: ClientApplicationOptions;

  /** @param options - the app registration and settings. @param authenticate - how a confidential client authenticates (set by ConfidentialClientApplication). */
  constructor(options: ClientApplicationOptions, authenticate?: ClientAuthenticator) {
    checkClientOptions(options);
    this.options = options;
    this.clientId = options.clientId;
    this.authority = resolveAuthority(options, looksLikeEntra);
    this.tokenCache = options.tokenCache ?? new TokenCache();
    const log = new LogSink(options);
    const transport = options.httpClient ?? new FetchHttpClient();
    const http = options.retry === false ? transport : new RetryingHttpClient(transport, options.retry);
    const now = options.now ?? (() => Math.floor(Date.now() / 1000));
    this.context = {
      clientId: options.clientId,
      authority: this.authority,
      http,
      log,
      persistence: new CachePersistence(this.tokenCache, options.cacheStore, log, options.cacheStoreErrors),
      partitioning: options.cachePartitioning ?? 'single',
      singleFlight: new SingleFlight(),
      metadata: (authority, signal) => this.metadata(authority, signal),
      authenticate,
      clientCapabilities: options.clientCapabilities ?? [],
      excludeScopes: options.excludeScopes ?? [],
      verifySignature: options.idTokenSignatureVerifier?.(http),
      clockSkew: options.clockSkewSeconds ?? 300,
      now,
      refreshLock: defaultRefreshLock(this.tokenCache, options.refreshLock, options.cacheStore),
      appHeaders: appHeaders(options),
      // Families are public (first-party) apps: a confidential client never redeems another app's refresh token.
      familyRefresh: this.authority.kind === 'entra' && !authenticate ? refreshWithFamily : undefined,
    };
  }

  private async metadata(authority: Authority, signal?: AbortSignal): Promise<AuthorityMetadata> {
    if (this.options.instanceDiscovery !== false && this.options.validateAuthority !== false) {
      // Shared by every client in the process: the caller's signal ends only its own wait.
      await abortable(validateEntraInstance(authority, this.context.http), signal);
    }
    const httpCache = this.options.httpCache;
    return getAuthorityMetadata(authority, {
      http: this.context.http,
      fetch: httpCache && fetchMetadataVia(httpCache),
      authorityMetadata: authority === this.authority ? this.options.authorityMetadata : undefined,
      signal,
    });
  }

  /** The configured authority, or the same one for another tenant. */
  protected authorityFor(options: RequestOptions): Authority {
    return options?.tenant ? forTenant(this.authority, options.tenant) : this.authority;
  }

  /** The authority's discovery document (cached per process), e.g. to read `response_modes_supported`. */
  getAuthorityMetadata(options: RequestOptions = {}): Promise<AuthorityMetadata> {
    return this.metadata(this.authorityFor(options), options.signal);
  }

  // Options are checked here, not in the flow functions, which @tessera/browser calls with options
  // it builds itself: its bundle does not carry these schemas.
  /** The authorization endpoint URL for these options (use initiateAuthCodeFlow for PKCE, state and nonce handled for you). */
  async getAuthorizationRequestUrl(options: AuthorizationUrlOptions): Promise<string> {
    checkOptions(authorizationUrlOptionsSchema, options, 'getAuthorizationRequestUrl');
    return getAuthorizationRequestUrl(this.context, this.authorityFor(options), options);
  }

  /** Starts an authorization code flow with PKCE (S256), state and nonce: open `authUri`, keep the flow for acquireTokenByAuthCodeFlow. */
  async initiateAuthCodeFlow(options: Omit<AuthorizationUrlOptions, 'codeChallenge'>): Promise<AuthCodeFlow> {
    checkOptions(authorizationUrlOptionsSchema, options, 'initiateAuthCodeFlow');
    return initiateAuthCodeFlow(this.context, this.authorityFor(options), options);
  }

  /** Completes the flow with the authorization response (redirect URL or its parameters): checks state, `iss` and nonce, redeems the code, caches the tokens. */
  async acquireTokenByAuthCodeFlow(flow: AuthCodeFlow, response: AuthResponse, options: RequestOptions & { scopes?: string | string[] } = {}): Promise<AuthenticationResult> {
    checkOptions(authCodeFlowSchema, flow, 'acquireTokenByAuthCodeFlow (flow)');
    checkOptions(requestOptionsSchema, options, 'acquireTokenByAuthCodeFlow');
    return acquireTokenByAuthCodeFlow(this.context, this.authorityFor(options), flow, response, options);
  }

  /** Redeems an authorization code you handled yourself (with its redirect URI and PKCE verifier); the tokens are cached. */
  async acquireTokenByCode(code: string, options: AcquireTokenByCodeOptions): Promise<AuthenticationResult> {
    checkOptions(codeArgument, code, 'acquireTokenByCode (code)');
    checkOptions(byCodeOptionsSchema, options, 'acquireTokenByCode');
    return acquireTokenByCode(this.context, this.authorityFor(options), code, options);
  }

  /** Redeems a refresh token obtained elsewhere (migration); the result and new tokens are cached. */
  async acquireTokenByRefreshToken(refreshToken: string, options: RequestOptions & { scopes: string | string[] }): Promise<AuthenticationResult> {
    checkOptions(refreshTokenArgument, refreshToken, 'acquireTokenByRefreshToken (refreshToken)');
    checkOptions(scopedRequestOptionsSchema, options, 'acquireTokenByRefreshToken');
    return refreshAccessToken(this.context, this.authorityFor(options), refreshToken, options);
  }

  /** @deprecated The password grant cannot do MFA; use the device code or interactive flows. */
  acquireTokenByUsernamePassword(options: RequestOptions & { scopes: string | string[]; username: string; password: string }): Promise<AuthenticationResult> {
    return acquireTokenByUsernamePassword(this.context, this.authorityFor(options), options);
  }

  /** A token for the account from the cache, or refreshed with its refresh token; InteractionRequiredError when only the user can help. */
  async acquireTokenSilent(options: SilentOptions): Promise<AuthenticationResult> {
    checkOptions(silentOptionsSchema, options, 'acquireTokenSilent');
    return acquireTokenSilent(this.context, this.authorityFor(options), options);
  }

  /** Accounts with tokens for this client, optionally only those with this username. */
  async getAccounts(options: { username?: string; signal?: AbortSignal } = {}): Promise<AccountInfo[]> {
    if (this.context.partitioning === 'single') await this.context.persistence.sync(SINGLE_PARTITION, options.signal);
    const accounts = accountsOf(this.tokenCache, this.clientId);
    const wanted = options.username?.toLowerCase();
    return wanted === undefined ? accounts : accounts.filter((a) => a.username.toLowerCase() === wanted);
  }

  /** The cached account with this home account id, or undefined. */
  async getAccount(homeAccountId: string, signal?: AbortSignal): Promise<AccountInfo | undefined> {
    await this.context.persistence.sync(partitionKeys.account(this.context.partitioning, homeAccountId), signal);
    const entity = this.tokenCache.accountsOf(homeAccountId)[0];
    if (!entity) return undefined;
    return accountInfo(entity, this.tokenCache.findIdToken(entity.home_account_id, entity.environment, this.clientId, entity.realm));
  }

  /** Signs the account out of this app: removes it and all its tokens from the cache. */
  async removeAccount(account: AccountInfo, signal?: AbortSignal): Promise<void> {
    const partition = partitionKeys.account(this.context.partitioning, account.homeAccountId);
    await this.context.persistence.write(partition, (cache) => cache.removeAccount(account.homeAccountId, account.environment), signal);
  }
}
