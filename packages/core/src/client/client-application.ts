import { type Authority, type AuthorityOptions, forTenant, resolveAuthority } from '../authority/authority.js';
import { type AuthorityMetadata, type HttpCache, type MetadataStore, getAuthorityMetadata, metadataStoreIn } from '../authority/discovery.js';
import { looksLikeEntra, validateEntraInstance } from '../authority/instance-discovery.js';
import {
  type CachePartitioning,
  type CacheStore,
  type CacheStoreErrors,
  CachePersistence,
  SINGLE_PARTITION,
  flushPending,
  partitionKeys,
  sharedPersistenceState,
} from '../cache/cache-store.js';
import { defaultAcquisitionLock, defaultRefreshLock } from './refresh-lock.js';
import { TokenCache, ofIssuer, removeAccountOf } from '../cache/token-cache.js';
import { type DpopFetchOptions, type DpopHeaders, type DpopOption, type DpopProofRequest, DpopSession, dpopHeaders, dpopKeyPairFrom, fetchWithDpop } from '../crypto/dpop.js';
import type { IdTokenSignatureVerifier } from '../crypto/id-token.js';
import { dpopContext } from '../flows/dpop-request.js';
import {
  type AcquireTokenByCodeOptions,
  type AuthCodeFlow,
  type AuthResponse,
  type AuthorizationUrlOptions,
  acquireTokenByAuthCodeFlow,
  acquireTokenByCode,
  checkRedirectUri,
  getAuthorizationRequestUrl,
  initiateAuthCodeFlow,
  refreshAuthUri,
} from '../flows/auth-code.js';
import {
  type FlowContext,
  type LibraryInfo,
  type RefreshLock,
  type RequestOptions,
  type SilentRefresh,
  diagnosticHeaders,
  libraryHeaders,
  rethrowWithId,
  runCall,
} from '../flows/context.js';
import type { PushedAuthorizationRequests } from '../flows/pushed-authorization.js';
import {
  authCodeFlowSchema,
  authorizationUrlOptionsSchema,
  byCodeOptionsSchema,
  logoutUrlOptionsSchema,
  requestOptionsSchema,
  scopedRequestOptionsSchema,
  plainSilentOptions,
  silentOptionsSchema,
  isSignal,
} from '../flows/options.js';
import { type LogoutUrlOptions, endSessionUrl } from '../flows/logout.js';
import { refreshByToken } from '../flows/refresh-token.js';
import { type UserInfo, fetchUserInfo } from '../flows/userinfo.js';
import { type RevocableTokenType, revokeRefreshTokenOf, revokeToken } from '../flows/revocation.js';
import { refreshWithFamily } from '../flows/family-refresh.js';
import { refreshRacingPeers } from '../flows/peer-refresh.js';
import { type SilentOptions, acquireTokenSilent, refreshDue, silentCacheReady, silentHit, silentWithReadyCache } from '../flows/silent.js';
import { acquireTokenByUsernamePassword } from '../flows/username-password.js';
import { FetchHttpClient, type HttpClient } from '../http/http-client.js';
import { type RetryOptions, RetryingHttpClient, abortable } from '../http/retry.js';
import { ThrottleMemory } from '../http/throttling.js';
import { LogSink, type LoggerOptions } from '../logger.js';
import { AbortError, ConfigurationError, ThrottledError, TokenRevocationError } from '../errors.js';
import { type AccountInfo, type AuthenticationResult, accountsOf, userView } from '../results.js';
import type { ClientAuthenticator } from './client-credential.js';
import { SingleFlight } from './single-flight.js';
import { inTenantView, learnTenantId, tenantIdOf } from './tenants.js';
import { checkOptions, nonEmpty, oneOf } from '../http/schemas.js';
import { lookupScopes } from '../scopes.js';
import { newCorrelationId } from '../crypto/encoding.js';
import { checkClientOptions } from './client-options.js';

const codeArgument = nonEmpty('expected the authorization code (a non-empty string)');
const refreshTokenArgument = nonEmpty('expected the refresh token (a non-empty string)');
const tokenArgument = nonEmpty('expected the token (a non-empty string)');
const tokenTypeArgument = oneOf(['refresh_token', 'access_token'], "expected 'refresh_token' or 'access_token'");

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
  /** Persist discovery documents across restarts (each is used for METADATA_MAX_AGE_SECONDS after it was fetched). */
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
   * cache store's `lock` when it has one. Clients of this process sharing a cache store (else a TokenCache) always take turns.
   */
  refreshLock?: RefreshLock;
  /**
   * DPoP (RFC 9449): bind access and refresh tokens to a key, so a stolen token is useless without
   * it. `true` generates a non-extractable ES256 key in memory; `{ key }` uses yours (a CryptoKeyPair,
   * a promise or function giving one, or a private P-256 JWK, e.g. one you persist). Required for a
   * client registered with `dpop_bound_access_tokens`: registration is not discoverable, so it is
   * never turned on by itself (`dpop_signing_alg_values_supported` in discovery only says the
   * provider can). Use `dpopHeaders` or `fetchWithDpop` to call APIs with the tokens.
   */
  dpop?: DpopOption;
  /** Who is calling, for Entra's x-client-SKU/VER/OS headers; platform packages set it (default SKU `tessera.js.core`). */
  libraryInfo?: Partial<LibraryInfo>;
  /**
   * When authorization requests are pushed to the provider first (RFC 9126, PAR), so the browser
   * gets only client_id and a short-lived request_uri. `'auto'` (default): when discovery says
   * `require_pushed_authorization_requests`. `'always'`: every time (e.g. the client's registration
   * requires PAR, which discovery cannot tell). `'never'`: never; a provider requiring PAR is then a
   * ConfigurationError (`par_required`).
   */
  pushedAuthorizationRequests?: PushedAuthorizationRequests;
  /** The app's name, sent to the token endpoint as `x-app-name` (as MSAL does; shows in Entra's sign-in logs). */
  appName?: string;
  /** The app's version, sent as `x-app-ver`. */
  appVersion?: string;
}

/**
 * A client's FlowContext.aroundTokenRequest: a request of a shape the server throttled fails fast
 * with the remembered ThrottledError and sends nothing (MSAL's throttling cache, keyed by client,
 * authority, scopes, and account or grant), so a throttled app does not keep the server busy; and a
 * token's tid is remembered for the tenant the request named by domain (see learnTenantId).
 */
function aroundTokenRequest(throttles: ThrottleMemory): FlowContext['aroundTokenRequest'] {
  return async (ctx, req, send) => {
    const shape = [ctx.clientId, req.authority.url, [...req.scopes].sort().join(' '), req.account?.homeAccountId ?? req.expectedHomeAccountId ?? req.userAssertionHash ?? req.params.grant_type].join('\n');
    throttles.check(shape, ctx.now() * 1000);
    try {
      const result = await send();
      learnTenantId(ctx, req.authority, result.idTokenClaims);
      return result;
    } catch (error) {
      if (error instanceof ThrottledError) throttles.record(shape, error);
      throw error;
    }
  };
}

/**
 * How silent calls refresh (FlowContext.silentRefresh): Entra public clients try the family refresh
 * token first (families are public, first-party apps: a confidential client never redeems another
 * app's refresh token); with a cache store, an invalid_grant reads the store again (peers sharing it
 * without its lock, such as msal-node on the same file, can only be met through it).
 */
function silentRefresh(family: boolean, store: boolean): SilentRefresh | undefined {
  const refresh = family ? refreshWithFamily : undefined;
  return store ? refreshRacingPeers(refresh) : refresh;
}

/** MSAL's app identity headers, for the options that are set. */
function appHeaders(options: ClientApplicationOptions): Record<string, string> | undefined {
  const headers: Record<string, string> = {};
  if (options.appName) headers['x-app-name'] = options.appName;
  if (options.appVersion) headers['x-app-ver'] = options.appVersion;
  return Object.keys(headers).length > 0 ? headers : undefined;
}

/**
 * @tessera/core's version (its package.json's, put in at build time: scripts/package-version.mjs),
 * sent as x-client-VER when no platform package says otherwise.
 */
export const LIBRARY_VERSION: string = '0.0.0-tessera-package-version';

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
  private readonly metadataStore?: MetadataStore;

  /** @param options - the app registration and settings. @param authenticate - how a confidential client authenticates (set by ConfidentialClientApplication). */
  constructor(options: ClientApplicationOptions, authenticate?: ClientAuthenticator) {
    checkClientOptions(options);
    this.options = options;
    this.metadataStore = options.httpCache && metadataStoreIn(options.httpCache);
    this.clientId = options.clientId;
    this.authority = resolveAuthority(options, looksLikeEntra);
    this.tokenCache = options.tokenCache ?? new TokenCache();
    const log = new LogSink(options);
    const transport = options.httpClient ?? new FetchHttpClient();
    const now = options.now ?? (() => Math.floor(Date.now() / 1000));
    const retryNow = options.now && (() => options.now!() * 1000);
    const http = options.retry === false ? transport : new RetryingHttpClient(transport, { now: retryNow, ...options.retry });
    this.context = {
      clientId: options.clientId,
      authority: this.authority,
      http,
      log,
      // Clients sharing the TokenCache and the store share what they know of both (unsaved changes too).
      persistence: new CachePersistence(this.tokenCache, options.cacheStore, log, options.cacheStoreErrors, sharedPersistenceState(this.tokenCache, options.cacheStore)),
      partitioning: options.cachePartitioning ?? 'single',
      singleFlight: new SingleFlight(),
      metadata: (authority, signal, http) => this.metadata(authority, signal, http),
      authenticate,
      clientCapabilities: options.clientCapabilities ?? [],
      excludeScopes: options.excludeScopes ?? [],
      verifySignature: options.idTokenSignatureVerifier?.(http),
      clockSkew: options.clockSkewSeconds ?? 300,
      now,
      refreshLock: defaultRefreshLock(this.tokenCache, options.refreshLock, options.cacheStore),
      acquisitionLock: defaultAcquisitionLock(this.tokenCache, options.cacheStore),
      tenantIds: new Map(),
      aroundTokenRequest: aroundTokenRequest(new ThrottleMemory()),
      libraryHeaders: libraryHeaders(this.authority.kind === 'entra', { sku: 'tessera.js.core', version: LIBRARY_VERSION, ...options.libraryInfo }),
      pushedAuthorizationRequests: options.pushedAuthorizationRequests,
      ...dpopFields(options.dpop),
      appHeaders: appHeaders(options),
      silentRefresh: silentRefresh(this.authority.kind === 'entra' && !authenticate, !!options.cacheStore),
    };
  }

  /**
   * The headers of an API request with a DPoP-bound token (RFC 9449 7): `authorization: DPoP <token>`
   * and `dpop`, a proof for this method and URL carrying the token's hash (`ath`) and the nonce
   * the resource server gave last (or `nonce`). Send them with the request as they are.
   */
  dpopHeaders(result: AuthenticationResult, request: Omit<DpopProofRequest, 'accessToken'>): Promise<DpopHeaders> {
    const { dpop } = this.context;
    return dpop ? dpopHeaders(dpop, result, request, this.context.now()) : withoutDpop();
  }

  /**
   * Calls an API with a DPoP-bound token (see dpopHeaders). A 401 whose
   * `WWW-Authenticate: DPoP error="use_dpop_nonce"` comes with a new `DPoP-Nonce` is sent once
   * more with it; the nonce is remembered for that server, so later calls need no retry.
   */
  fetchWithDpop(result: AuthenticationResult, url: string, options: DpopFetchOptions = {}): Promise<Response> {
    const { dpop } = this.context;
    return dpop ? fetchWithDpop(dpop, result, url, options, this.context.now) : withoutDpop();
  }

  /**
   * Runs one call with its correlation id (the caller's or a fresh one) as headers (see runCall), and stamps
   * that id on any TesseraError the call throws.
   */
  protected call<T>(options: RequestOptions | undefined, work: (ctx: FlowContext) => Promise<T>): Promise<T> {
    return runCall(this.context, options?.correlationId || newCorrelationId(), diagnosticHeaders, work);
  }

  private async metadata(authority: Authority, signal?: AbortSignal, http = this.context.http): Promise<AuthorityMetadata> {
    if (this.options.instanceDiscovery !== false && this.options.validateAuthority !== false) {
      // Shared by every client in the process: the caller's signal ends only its own wait.
      await abortable(validateEntraInstance(authority, http, this.context.now(), this.context.log), signal);
    }
    return getAuthorityMetadata(authority, {
      http,
      store: this.metadataStore,
      authorityMetadata: authority === this.authority ? this.options.authorityMetadata : undefined,
      signal,
      now: this.context.now,
      log: this.context.log,
    });
  }

  /** The configured authority, or the same one for another tenant. */
  protected authorityFor(options: RequestOptions): Authority {
    return options?.tenant ? forTenant(this.authority, options.tenant) : this.authority;
  }

  /** The authority's discovery document (cached per process for METADATA_MAX_AGE_SECONDS), e.g. to read `response_modes_supported`. */
  getAuthorityMetadata(options: RequestOptions = {}): Promise<AuthorityMetadata> {
    return this.call(options, (ctx) => ctx.metadata(this.authorityFor(options), options.signal));
  }

  // Options are checked here, not in the flow functions, which @tessera/browser calls with options
  // it builds itself: its bundle does not carry these schemas.
  /** The authorization endpoint URL for these options (use initiateAuthCodeFlow for PKCE, state and nonce handled for you). */
  async getAuthorizationRequestUrl(options: AuthorizationUrlOptions): Promise<string> {
    checkOptions(authorizationUrlOptionsSchema, options, 'getAuthorizationRequestUrl');
    return this.call(options, (ctx) => getAuthorizationRequestUrl(ctx, this.authorityFor(options), options));
  }

  /** Starts an authorization code flow with PKCE (S256), state and nonce: open `authUri`, keep the flow for acquireTokenByAuthCodeFlow. */
  async initiateAuthCodeFlow(options: Omit<AuthorizationUrlOptions, 'codeChallenge'>): Promise<AuthCodeFlow> {
    checkOptions(authorizationUrlOptionsSchema, options, 'initiateAuthCodeFlow');
    return this.call(options, (ctx) => initiateAuthCodeFlow(ctx, this.authorityFor(options), options));
  }

  /**
   * The URL to open for the flow now: `flow.authUri`, or the request pushed again when its pushed
   * request_uri (RFC 9126) has expired. Call it right before sending the browser to the provider.
   */
  async refreshAuthUri(flow: AuthCodeFlow, options: RequestOptions = {}): Promise<string> {
    checkOptions(authCodeFlowSchema, flow, 'refreshAuthUri (flow)');
    // Pushed again within the sign-in's call: its correlation id, as the first push and the redemption.
    return this.call({ correlationId: options.correlationId ?? flow.correlationId }, (ctx) => refreshAuthUri(ctx, this.authorityFor(options), flow, options.signal));
  }

  /** Completes the flow with the authorization response (redirect URL or its parameters): checks state, `iss` and nonce, redeems the code, caches the tokens. */
  async acquireTokenByAuthCodeFlow(flow: AuthCodeFlow, response: AuthResponse, options: RequestOptions & { scopes?: string | string[] } = {}): Promise<AuthenticationResult> {
    checkOptions(authCodeFlowSchema, flow, 'acquireTokenByAuthCodeFlow (flow)');
    checkOptions(requestOptionsSchema, options, 'acquireTokenByAuthCodeFlow');
    return this.call({ correlationId: options.correlationId ?? flow.correlationId }, (ctx) => acquireTokenByAuthCodeFlow(ctx, this.authorityFor(options), flow, response, options));
  }

  /** Redeems an authorization code you handled yourself (with its redirect URI and PKCE verifier); the tokens are cached. */
  async acquireTokenByCode(code: string, options: AcquireTokenByCodeOptions): Promise<AuthenticationResult> {
    checkOptions(codeArgument, code, 'acquireTokenByCode (code)');
    checkOptions(byCodeOptionsSchema, options, 'acquireTokenByCode');
    return this.call(options, async (ctx) => {
      checkRedirectUri(options.redirectUri);
      return acquireTokenByCode(ctx, this.authorityFor(options), code, options);
    });
  }

  /** Redeems a refresh token obtained elsewhere (migration); the result and new tokens are cached. */
  async acquireTokenByRefreshToken(refreshToken: string, options: RequestOptions & { scopes: string | string[] }): Promise<AuthenticationResult> {
    checkOptions(refreshTokenArgument, refreshToken, 'acquireTokenByRefreshToken (refreshToken)');
    checkOptions(scopedRequestOptionsSchema, options, 'acquireTokenByRefreshToken');
    return this.call(options, (ctx) => refreshByToken(ctx, this.authorityFor(options), refreshToken, options));
  }

  /** @deprecated The password grant cannot do MFA; use the device code or interactive flows. */
  acquireTokenByUsernamePassword(options: RequestOptions & { scopes: string | string[]; username: string; password: string }): Promise<AuthenticationResult> {
    return this.call(options, (ctx) => acquireTokenByUsernamePassword(ctx, this.authorityFor(options), options));
  }

  /** A token for the account from the cache, or refreshed with its refresh token; InteractionRequiredError when only the user can help. */
  async acquireTokenSilent(options: SilentOptions): Promise<AuthenticationResult> {
    if (!plainSilentOptions(options)) checkOptions(silentOptionsSchema, options, 'acquireTokenSilent');
    const { tenant } = options;
    if (tenant) return this.call(options, (ctx) => this.silentInTenant(ctx, options, tenant));
    // A cache hit is answered before anything a request needs is built (see the cache-hit budget);
    // the rest of the call runs with the same correlation id.
    const ctx = this.context;
    const correlationId = options.correlationId || newCorrelationId();
    const ready = silentCacheReady(ctx, options);
    if (ready) {
      try {
        await ready;
      } catch (error) {
        rethrowWithId(error, correlationId);
      }
    }
    const hit = silentHit(ctx, options, correlationId, lookupScopes(options.scopes));
    if (hit && !refreshDue(ctx, hit)) return hit;
    return this.call({ correlationId }, (call) => silentWithReadyCache(call, this.authority, options));
  }

  /** A silent call for a tenant given by id or domain: found by its id, answered in its view of the account. */
  private async silentInTenant(ctx: FlowContext, options: SilentOptions, tenant: string): Promise<AuthenticationResult> {
    const authority = this.authorityFor(options);
    const id = await tenantIdOf(ctx, authority, tenant, options.signal);
    return inTenantView(ctx, options.account, await acquireTokenSilent(ctx, authority, { ...options, tenant: id }));
  }

  /**
   * Accounts with tokens for this client, optionally only those with this username. A client of
   * an OIDC issuer lists the accounts of its issuer only (other issuers on its host, such as other
   * Keycloak realms, have their own users); an Entra client lists its users' accounts in every tenant.
   */
  async getAccounts(options: { username?: string; signal?: AbortSignal } = {}): Promise<AccountInfo[]> {
    const { partitioning, persistence } = this.context;
    // 'perKey' lists the accounts in memory (loading every partition would defeat the partitioning):
    // first the changes the store has not taken, so with 'throw' a sign-in it did not keep is not listed.
    await (partitioning === 'single' ? persistence.sync(SINGLE_PARTITION, options.signal) : flushPending(persistence, options.signal));
    const accounts = accountsOf(this.tokenCache, this.clientId, this.authority);
    const wanted = options.username?.toLowerCase();
    return wanted === undefined ? accounts : accounts.filter((a) => a.username.toLowerCase() === wanted);
  }

  /** The cached account with this home account id (of this client's issuer, see getAccounts), or undefined. */
  async getAccount(homeAccountId: string, signal?: AbortSignal): Promise<AccountInfo | undefined> {
    await this.context.persistence.sync(partitionKeys.account(this.context.partitioning, homeAccountId), signal);
    // The user's view at the cloud of their first account this client sees (userView applies the same issuer rule).
    const environment = this.tokenCache.accountsOf(homeAccountId).find((e) => ofIssuer(this.tokenCache, e, this.authority))?.environment;
    return environment === undefined ? undefined : userView(this.tokenCache, this.clientId, homeAccountId, environment, undefined, this.authority);
  }

  /**
   * The URL that signs the user out at the provider too (OpenID Connect RP-Initiated Logout): its
   * end_session_endpoint with `client_id`, `id_token_hint` (`idTokenHint`, else the account's
   * cached ID token: ask before removeAccount), `post_logout_redirect_uri`, `state` and
   * `logout_hint`. Send the user's browser there. Undefined when the provider publishes no
   * end_session_endpoint (Google, for one): its session cannot be ended from the app.
   */
  async getLogoutUrl(options: LogoutUrlOptions = {}): Promise<string | undefined> {
    checkOptions(logoutUrlOptionsSchema, options, 'getLogoutUrl');
    const { account, signal, postLogoutRedirectUri, state, logoutHint } = options;
    let { idTokenHint } = options;
    if (!idTokenHint && account) {
      await this.context.persistence.sync(partitionKeys.account(this.context.partitioning, account.homeAccountId), signal);
      idTokenHint = this.tokenCache.findIdToken(account.homeAccountId, account.environment, this.clientId, account.tenantId)?.secret;
    }
    return endSessionUrl(await this.getAuthorityMetadata(options), {
      client_id: this.clientId,
      id_token_hint: idTokenHint,
      post_logout_redirect_uri: postLogoutRedirectUri,
      state,
      logout_hint: logoutHint,
    });
  }

  /**
   * Revokes a token at the provider's revocation_endpoint (RFC 7009) as this client (see
   * revokeToken in flows/revocation.ts): `tokenType` is sent as `token_type_hint`. Revoking a
   * refresh token ends its grant at providers that support it. The cache is not changed: to sign an
   * account out, use removeAccount with `revokeRefreshToken`.
   */
  async revokeToken(token: string, options: RequestOptions & { tokenType: RevocableTokenType }): Promise<void> {
    checkOptions(tokenArgument, token, 'revokeToken (token)');
    checkOptions(tokenTypeArgument, options?.tokenType, 'revokeToken (options.tokenType)');
    return this.call(options, (ctx) => revokeToken(ctx, this.authorityFor(options), token, options.tokenType, options.signal));
  }

  /**
   * The account's UserInfo claims (OpenID Connect Core 5.3; see fetchUserInfo in flows/userinfo.ts):
   * an access token for `scopes` is acquired silently (from the cache, or refreshed) and sent to the
   * provider's `userinfo_endpoint` (as a DPoP-bound token with a proof when the client has `dpop`).
   * Give the scopes whose token the provider's UserInfo endpoint accepts: those of the sign-in for an
   * OpenID provider, `User.Read` (Microsoft Graph) for Entra. The response's `sub` must be the
   * account's ID token's (5.3.4), else a ValidationError with check `userinfo_sub` (code
   * `invalid_userinfo_sub`); an account without a cached ID token is a ConfigurationError.
   */
  async getUserInfo(account: AccountInfo, options: RequestOptions & { scopes: string | string[] }): Promise<UserInfo> {
    const token = await this.acquireTokenSilent({ ...options, account });
    const sub = (token.idTokenClaims ?? account.idTokenClaims)?.sub;
    if (!sub) throw new ConfigurationError('getUserInfo: the account has no ID token (sign in with the openid scope): its sub is what the UserInfo response is checked against');
    return this.call({ ...options, correlationId: token.correlationId ?? options.correlationId }, (ctx) => fetchUserInfo(ctx, this.authorityFor(options), token, sub, options.signal));
  }

  /**
   * Signs the account out of this app: removes it and all its tokens from the cache, after any
   * refresh of the account under way (whose answer would put them back) and before any later one.
   * A client of an OIDC issuer removes only what is filed under its issuer: the user stays signed
   * in at other issuers on its host (see TokenCache.removeAccount); an Entra client signs the user
   * out of every tenant.
   *
   * With `revokeRefreshToken` (see RemoveAccountOptions), the account's refresh token is first
   * revoked at the provider's revocation_endpoint (RFC 7009). The account is removed from the cache
   * whether or not that succeeds; when it did not, the call then rejects with a
   * TokenRevocationError (its `cause` says why): the app is signed out, but the refresh token may
   * still be valid at the provider. An abort (AbortError) removes nothing.
   */
  async removeAccount(account: AccountInfo, options?: AbortSignal | RemoveAccountOptions): Promise<void> {
    const { signal, revokeRefreshToken, correlationId } = isSignal(options) ? { signal: options } : { ...options };
    const { partitioning, persistence, refreshLock } = this.context;
    const key = partitionKeys.account(partitioning, account.homeAccountId);
    const remove = () => persistence.write(key, (cache) => removeAccountOf(cache, account, this.authority), signal);
    if (!revokeRefreshToken) return refreshLock!(account, remove, signal);
    await this.call({ correlationId }, (ctx) =>
      // Under the refresh lock: a refresh under way would rotate the token after it was read.
      refreshLock!(
        account,
        async () => {
          await persistence.sync(key, signal);
          const failure = await revokeRefreshTokenOf(ctx, this.authority, account, signal).then(
            () => undefined,
            (error: unknown) => (error instanceof AbortError ? Promise.reject(error) : error),
          );
          await remove();
          if (failure) throw new TokenRevocationError(failure);
        },
        signal,
      ),
    );
  }
}

/** Options of removeAccount. */
export interface RemoveAccountOptions {
  /** Aborts the call (AbortError): nothing is removed once it fired. */
  signal?: AbortSignal;
  /**
   * Revoke the account's refresh token at the provider (RFC 7009) before removing the account, as
   * oidc-client-ts's `revokeTokensOnSignout`: a copy of the token kept elsewhere (a stolen cache
   * file) no longer works. A failure is reported as a TokenRevocationError after the removal.
   */
  revokeRefreshToken?: boolean;
  /** Sent as `client-request-id` on the revocation request. */
  correlationId?: string;
}

/** dpopHeaders and fetchWithDpop of a client without the `dpop` option (here, not in core's DPoP code, which the browser bundles). */
async function withoutDpop(): Promise<never> {
  throw new ConfigurationError('No DPoP key: set the `dpop` client option');
}

/** The context fields of the client's `dpop` option (see dpopContext): none without it. */
function dpopFields(option: DpopOption | undefined): Pick<FlowContext, 'dpop' | 'sendWithDpop'> | undefined {
  return option ? dpopContext(new DpopSession(option === true ? undefined : () => dpopKeyPairFrom(option.key))) : undefined;
}
