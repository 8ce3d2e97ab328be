import {
  type AccountInfo,
  type AuthCodeFlow,
  type AuthResponse,
  type AuthenticationResult,
  type AuthorityOptions,
  type CacheStore,
  CachePersistence,
  ConfigurationError,
  type DpopFetchOptions,
  type DpopHeaders,
  type DpopProofRequest,
  type FlowContext,
  type HttpClient,
  type HttpRequest,
  type IdTokenSignatureVerifier,
  InteractionRequiredError,
  LogSink,
  type LoggerOptions,
  type Prompt,
  type PushedAuthorizationRequests,
  SingleFlight,
  TokenCache,
  ValidationError,
  type Authority,
  accountsOf,
  acquireTokenByAuthCodeFlow,
  acquireTokenSilent,
  checkClientIdentity,
  diagnosticParameters,
  endSessionUrl,
  getAuthorityMetadata,
  initiateAuthCodeFlow,
  libraryHeaders,
  parseAuthResponse,
  removeAccountOf,
  resolveAuthority,
  runCall,
  throwIfAborted,
} from '@tessera/core';
import type { BrowserClientEvents } from './events.js';
import { beginInteraction, clearInteraction, inPopup, interactionKey, readInteraction, saveInteraction, startedHere } from './interaction.js';
import type { browserPopup } from './popup.js';
import type { BrowserDpop } from './dpop.js';
import { IndexedDbCacheStore } from './stores.js';
import { fetchTransport } from './transport.js';
import { withWebLock } from './web-lock.js';

export interface BrowserClientOptions extends AuthorityOptions, LoggerOptions {
  /** The SPA's client id, registered with the authority as a single-page app. */
  clientId: string;
  /** Registered redirect URI: a page of this app that calls `handleRedirect()`. Default: this page, without query or fragment. */
  redirectUri?: string;
  /** Where the provider sends the user after sign-out. Default: `redirectUri`. */
  postLogoutRedirectUri?: string;
  /** `indexeddb` (default: survives reloads, shared by the tabs of the origin), `memory` (this page only), or your own store. */
  cache?: 'indexeddb' | 'memory' | CacheStore;
  /** How the provider returns the code. Default `fragment`: it never reaches a web server's logs. */
  responseMode?: 'query' | 'fragment';
  /** Scopes of an interactive request that names none. */
  scopes?: string[];
  /**
   * Popup sign-in: pass `browserPopup` (exported here) to make `loginPopup` and `acquireTokenPopup`
   * work; without it they reject with a ConfigurationError (apps that sign in by redirect only
   * bundle none of the popup code). Any other value (`popup: true`) is refused when the client is made.
   * The redirect URI page needs it too when the provider sends Cross-Origin-Opener-Policy (as
   * Microsoft Entra does): it hands the popup's response to the tab that opened it.
   */
  popup?: typeof browserPopup;
  /** Milliseconds a popup sign-in may take. Default 300,000 (5 minutes). */
  popupTimeoutMs?: number;
  /** window.open features of the popup. */
  popupFeatures?: string;
  /** Replaces the fetch transport (proxies, tracing, retries: e.g. core's RetryingHttpClient). */
  httpClient?: HttpClient;
  /** A discovery document (JSON) to use instead of fetching one. */
  authorityMetadata?: string;
  /** Capabilities the app handles, e.g. ["CP1"] for claims challenges (CAE). */
  clientCapabilities?: string[];
  /** Checks ID-token signatures, e.g. core's `jwksSignatureVerifier` (adds jose to the bundle). */
  idTokenSignatureVerifier?: (http: HttpClient) => IdTokenSignatureVerifier;
  /**
   * DPoP (RFC 9449): pass `browserDpop` (exported here) to bind tokens to a non-extractable ES256
   * key kept in IndexedDB (with the `indexeddb` cache; otherwise in memory for this page), so a
   * stolen token is useless elsewhere. Needed for a client registered DPoP-bound. Call APIs with
   * `dpopHeaders` or `fetchWithDpop`.
   */
  dpop?: (clientId: string, persistentKey: boolean, warn: (message: string) => void) => BrowserDpop;
  /**
   * When sign-ins push their authorization request first (RFC 9126, PAR): `'auto'` (default) when
   * the provider requires it, `'always'`, or `'never'` (a provider requiring it is then a
   * ConfigurationError). The provider must allow this origin (CORS) at its PAR endpoint.
   */
  pushedAuthorizationRequests?: PushedAuthorizationRequests;
}

/** Options of loginRedirect, loginPopup, acquireTokenRedirect and acquireTokenPopup. */
export interface InteractiveRequest {
  /** Scopes to request (default: the client's `scopes`). */
  scopes?: string[];
  /** Signs this account in again: its username becomes the login hint. */
  account?: AccountInfo;
  /** `prompt`: force a login, consent or account picker. */
  prompt?: Prompt;
  /** `login_hint`: the username to preselect. */
  loginHint?: string;
  /** `domain_hint` (Entra): skip home-realm discovery. */
  domainHint?: string;
  /** Seconds: the user must have signed in within this time (checked against auth_time). */
  maxAge?: number;
  /** A claims challenge (JSON) from a resource. */
  claims?: string;
  /** Scopes of other resources to consent to now, without a token for them. */
  extraScopesToConsent?: string[];
  /** Further authorization parameters (e.g. `ui_locales`); one the library sets (`state`, `redirect_uri`, ...), or `request`/`request_uri` (they would replace the whole request), is a ConfigurationError. */
  extraQueryParameters?: Record<string, string>;
  /** Your own value (e.g. the route to return to), handed back as `appState` by `handleRedirect()`. */
  appState?: string;
  /** The sign-in's correlation id (default: a new one): `client-request-id` of its authorize URL and code redemption, and on its result or error. */
  correlationId?: string;
  /**
   * Aborts the sign-in (AbortError) while it is prepared and, for a popup, while it waits for the
   * popup (which it closes): e.g. the app's Cancel button, the one way to stop waiting for a popup
   * that a provider's Cross-Origin-Opener-Policy took out of the app's reach before `popupTimeoutMs`.
   */
  signal?: AbortSignal;
}

/** Options of acquireTokenSilent. */
export interface SilentRequest {
  /** The scopes the token must carry. */
  scopes: string | string[];
  /** Default: the first signed-in account. */
  account?: AccountInfo;
  /** Skip the cached access token and use the refresh token. */
  forceRefresh?: boolean;
  /** A claims challenge from a resource (forces a refresh). */
  claims?: string;
  /** Aborts the call (AbortError). */
  signal?: AbortSignal;
  /** The call's correlation id (default: a new one): `client-request-id` of a refresh, and on the result or error. */
  correlationId?: string;
}

/** Options of logoutRedirect. */
export interface LogoutRequest {
  /** Default: every account of this client. */
  account?: AccountInfo;
  /** Where the provider sends the user after signing out (default: the client's `postLogoutRedirectUri`). */
  postLogoutRedirectUri?: string;
  /** Sent as `state` to the end-session endpoint. */
  state?: string;
  /** Sent as `logout_hint` (Entra: the `login_hint` claim of the user's ID token), so the provider need not ask which account signs out. */
  logoutHint?: string;
}

/** A sign-in result, with the `appState` passed to loginRedirect when it came back from a redirect. */
export type BrowserAuthResult = AuthenticationResult & {
  /** The `appState` given to loginRedirect or acquireTokenRedirect. */
  appState?: string;
};

/** Requests as they are: no diagnostics for providers other than Entra (see #call). */
const sentAsIs = (request: HttpRequest) => request;

/** Without DPoP (or with `dpop: true`, this option's earlier form): what to do. */
const NO_DPOP = 'No DPoP: set the `dpop` option to browserDpop';
/** Without popup sign-in (or with `popup: true`): what to do. */
const NO_POPUP = 'No popup sign-in: set the `popup` option to browserPopup';
/**
 * An optional feature's option (`dpop`, `popup`) is its function, so that apps without the feature
 * bundle none of its code; anything else given (`dpop: true`, `popup: true`) is refused when the
 * client is made, with what to pass, rather than found out at the first use.
 */
function checkFeature(option: unknown, fix: string): void {
  if (option && typeof option !== 'function') throw new ConfigurationError(fix, 'invalid_options');
}
/** dpopHeaders and fetchWithDpop of a client without DPoP. */
const withoutDpop = async (): Promise<never> => {
  throw new ConfigurationError(NO_DPOP);
};

/** What a tab tells the others: a sign-out, and the issuer it was at (clients of several issuers can share the channel), or a change to re-read. */
type TabMessage = { signedOut?: AccountInfo; authority?: Authority };

/** The whole cache is one partition (MSAL's "single" layout): one IndexedDB record. */
const PARTITION = 'default';
/** The authorization response's parameters, removed from the address bar (the app's own stay). */
const RESPONSE_PARAMS = 'code state iss session_state error error_description error_uri client_info'.split(' ');

/** Removes an authorization response from the URL: the whole fragment, or the query's response parameters (the app's own stay). */
function removeResponse(url: URL, fromHash: boolean): void {
  if (fromHash) url.hash = '';
  else for (const name of RESPONSE_PARAMS) url.searchParams.delete(name);
}

/**
 * One refresh per account at a time, in this tab and across tabs: the Web Lock serializes
 * refreshes, and core re-reads the cache inside it, so a call that waited finds the new token (or
 * the rotated refresh token) instead of spending the old refresh token again, which a provider with
 * reuse detection answers by revoking the whole grant. Taken with a memory cache too: two calls in
 * one tab race the same way (tabs with memory caches then take turns needlessly, which is harmless).
 * Without Web Locks (outside secure contexts, where PKCE fails anyway) refreshes run unserialized.
 * A sign-out takes it too: a refresh answer arriving after it would put the tokens back.
 */
function underWebLock<T>(clientId: string, account: AccountInfo, work: () => Promise<T>): Promise<T> {
  // Core re-reads the store inside the lock (FlowContext.refreshLock); no second read here.
  return withWebLock(`tessera-refresh-${clientId}-${account.homeAccountId}`, work);
}

/**
 * A public client for single-page apps: redirect and popup sign-in (authorization code + PKCE),
 * silent acquisition (cache, then refresh token under a cross-tab Web Lock), sign-out and events.
 * The protocol steps are core's flow functions; this class adds the browser around them.
 */
export class BrowserClient {
  /** The SPA's client id. */
  readonly clientId: string;
  /** The redirect URI sign-ins return to. */
  readonly redirectUri: string;
  /** The in-memory token cache (MSAL schema), persisted to the configured store. */
  readonly tokenCache = new TokenCache();
  readonly #options: BrowserClientOptions;
  readonly #context: FlowContext;
  readonly #channel?: BroadcastChannel;
  /** This client's sessionStorage entry (see interactionKey). */
  readonly #interaction: string;
  readonly #dpop?: BrowserDpop;
  readonly #listeners = new Set<[keyof BrowserClientEvents, (payload: never) => void]>();
  #redirectResult?: Promise<BrowserAuthResult | null>;

  constructor(options: BrowserClientOptions) {
    const { clientId, cache = 'indexeddb', dpop, popup } = checkClientIdentity(options);
    // Before anything is opened.
    checkFeature(dpop, NO_DPOP);
    checkFeature(popup, NO_POPUP);
    this.#options = options;
    this.clientId = clientId;
    this.redirectUri = options.redirectUri ?? location.origin + location.pathname;
    const store = typeof cache === 'object' ? cache : cache === 'indexeddb' && typeof indexedDB === 'object' ? new IndexedDbCacheStore(clientId) : undefined;
    // Before the tab channel opens: a bad authority leaves nothing listening.
    const authority = resolveAuthority(options);
    if (store && typeof BroadcastChannel === 'function') {
      this.#channel = new BroadcastChannel(`tessera.${clientId}`);
      this.#channel.onmessage = (event: MessageEvent<TabMessage>) => this.#onTabMessage(event.data);
    }
    const http = options.httpClient ?? fetchTransport();
    const log = new LogSink(options);
    // The DPoP key survives a redirect when kept in IndexedDB beside the cache.
    this.#dpop = dpop?.(clientId, store instanceof IndexedDbCacheStore, (message) => log.log('warning', message));
    this.#context = {
      clientId,
      authority,
      http,
      log,
      persistence: new CachePersistence(this.tokenCache, store, log),
      partitioning: 'single',
      singleFlight: new SingleFlight(),
      metadata: (a, signal) => getAuthorityMetadata(a, { http, authorityMetadata: a === authority ? options.authorityMetadata : undefined, signal, log }),
      clientCapabilities: options.clientCapabilities ?? [],
      excludeScopes: [],
      verifySignature: options.idTokenSignatureVerifier?.(http),
      clockSkew: 300,
      now: () => Math.floor(Date.now() / 1000),
      refreshLock: (account, work) => underWebLock(clientId, account, work),
      ...this.#dpop?.context,
      pushedAuthorizationRequests: options.pushedAuthorizationRequests,
      // Entra's x-client-* (sent as parameters, see #call); this package's own version, put in at build time.
      libraryHeaders: libraryHeaders(authority.kind === 'entra', { sku: 'tessera.js.browser', version: '0.0.0-tessera-package-version' }),
    };
    this.#interaction = interactionKey(clientId, authority.url);
  }

  /** The headers of an API request with a DPoP-bound token: `authorization: DPoP <token>` and the `dpop` proof. */
  dpopHeaders(result: AuthenticationResult, request: Omit<DpopProofRequest, 'accessToken'>): Promise<DpopHeaders> {
    return (this.#dpop?.headers ?? withoutDpop)(result, request, this.#context.now());
  }

  /** Calls an API with a DPoP-bound token; a 401 asking for the resource server's nonce is retried once with it. */
  fetchWithDpop(result: AuthenticationResult, url: string, options: DpopFetchOptions = {}): Promise<Response> {
    return (this.#dpop?.fetch ?? withoutDpop)(result, url, options, this.#context.now);
  }

  /** Subscribes to an event; returns the unsubscribe function. */
  on<K extends keyof BrowserClientEvents>(type: K, listener: (payload: BrowserClientEvents[K]) => void): () => void {
    const entry: [K, (payload: never) => void] = [type, listener];
    this.#listeners.add(entry);
    return () => this.#listeners.delete(entry);
  }

  #emit<K extends keyof BrowserClientEvents>(type: K, payload: BrowserClientEvents[K]): void {
    for (const [t, listener] of this.#listeners) if (t === type) (listener as (payload: BrowserClientEvents[K]) => void)(payload);
  }

  /**
   * Call on every load of the redirect URI page. When the page is the return from the provider,
   * checks state and iss, redeems the code with the stored PKCE verifier and resolves to the
   * result; otherwise resolves to null. The response is removed from the address bar either way,
   * unless it answers another client's sign-in on this page (that client's handleRedirect reads it).
   * Only the part the response is asked in (`responseMode`) is read: the app's own `?state=` stays.
   * A response to this tab's sign-in in the other part is not read either, but is removed too.
   * In a sign-in popup it resolves to null: the opener reads the URL, or, when the provider's
   * Cross-Origin-Opener-Policy cut the popup off from it, gets it from here (with the `popup`
   * option; see browserPopup.relay) while the popup closes.
   */
  handleRedirect(): Promise<BrowserAuthResult | null> {
    return (this.#redirectResult ??= this.#completeRedirect());
  }

  async #completeRedirect(): Promise<BrowserAuthResult | null> {
    // In a popup (this client's or another's) the opener reads this page's URL and redeems the code: leave both alone.
    if (inPopup()) return null;
    const record = readInteraction(this.#interaction);
    // A page load ends this tab's interaction: it completes here, or it was abandoned.
    clearInteraction(this.#interaction);
    const url = new URL(location.href);
    // Only the part the response is asked in (the flow's, else this client's mode; the fragment unless
    // `query`): `?state=CA` on a page of an app answered in the fragment is the app's own, not a response.
    const fromHash = (record?.flow?.responseMode ?? this.#options.responseMode) !== 'query';
    const params = parseAuthResponse(fromHash ? url.hash : url.search);
    const href = url.href;
    // A provider that answered this tab's sign-in (its state) in the other part: not read, as above,
    // but its code leaves the address bar and history too.
    if (record?.flow && parseAuthResponse(fromHash ? url.search : url.hash).state === record.flow.state) removeResponse(url, !fromHash);
    // The response of a popup sign-in that the provider's COOP cut off from its opener: the opener's
    // tab redeems it (browserPopup.relay), no client here.
    const relayed = this.#options.popup?.relay(params.state, href);
    // No response; or one to another client's sign-in (this client's entry is gone): that client
    // completes it, address bar and all.
    const none = !relayed && (params.state ? startedHere(params.state) : !params.code && !params.error);
    if (!none) removeResponse(url, fromHash);
    if (url.href !== href) history.replaceState(history.state, '', url.href);
    if (none || relayed) return null;

    // Only a redirect sign-in stores its flow (a popup's stays in the page that waits for it).
    if (!record?.flow) {
      throw new ValidationError('state', 'A sign-in response, but this tab started no redirect sign-in (or it expired)');
    }
    const result = await this.#complete(record.flow, params, record.login);
    return { ...result, appState: record.appState };
  }

  /** Navigates to the provider to sign in; `handleRedirect()` completes it when the user returns. */
  loginRedirect(request: InteractiveRequest = {}): Promise<void> {
    return this.#redirect(request, true);
  }

  /** Navigates to the provider for a token that needs the user (consent, MFA, a claims challenge). */
  acquireTokenRedirect(request: InteractiveRequest): Promise<void> {
    return this.#redirect(request, false);
  }

  /** Signs in in a popup; call it from a click handler (popup blockers). */
  loginPopup(request: InteractiveRequest = {}): Promise<AuthenticationResult> {
    return this.#popup(request, true);
  }

  /** Signs in (or consents to more scopes) in a popup and resolves with the tokens; the page stays. */
  acquireTokenPopup(request: InteractiveRequest): Promise<AuthenticationResult> {
    return this.#popup(request, false);
  }

  async #redirect(request: InteractiveRequest, login: boolean): Promise<void> {
    beginInteraction(this.#interaction);
    try {
      const flow = await this.#startFlow(request, true);
      saveInteraction(this.#interaction, { createdAt: Date.now(), flow, login, appState: request.appState });
      // The signal may have fired during the flow's last steps: then the page stays.
      throwIfAborted(request.signal);
      location.assign(flow.authUri);
    } catch (error) {
      clearInteraction(this.#interaction);
      throw error;
    }
  }

  async #popup(request: InteractiveRequest, login: boolean): Promise<AuthenticationResult> {
    const { popup } = this.#options;
    if (!popup) throw new ConfigurationError(NO_POPUP);
    // Up to window.open (in `popup`) everything runs synchronously, inside the caller's click.
    beginInteraction(this.#interaction);
    try {
      return await popup(
        this.#options,
        this.#interaction,
        () => this.#startFlow(request, false),
        (flow, url) => this.#complete(flow, url, login),
        request.signal,
      );
    } finally {
      clearInteraction(this.#interaction);
    }
  }

  /**
   * Runs one call with its correlation id (the caller's or a fresh one), returned on results and
   * errors. To Entra it travels as parameters, not headers (see diagnosticParameters): no CORS
   * preflight; other providers get none (only Entra reads it, and a URL parameter a provider does
   * not know may be refused). crypto.randomUUID, not core's fallback (which costs the bundle about
   * 75 bytes more): outside a secure context (http:// on a host other than localhost, e.g. a LAN
   * address) browsers give no crypto.subtle, which PKCE needs, and browsers older than the ES2022
   * this package is built for (Safari before 15.4) no randomUUID: ConfigurationErrors saying so,
   * not their TypeError.
   */
  #call<T>(correlationId: string | undefined, work: (ctx: FlowContext) => Promise<T>): Promise<T> {
    if (!crypto.subtle) throw new ConfigurationError(`WebCrypto needs a secure context: serve ${location.origin} over https or from localhost`);
    if (!crypto.randomUUID) throw new ConfigurationError('Browser too old: no crypto.randomUUID (needs Safari 15.4+)');
    return runCall(this.#context, correlationId || crypto.randomUUID(), this.#context.authority.kind === 'entra' ? diagnosticParameters : sentAsIs, work);
  }

  #startFlow({ account, appState: _, ...request }: InteractiveRequest, redirect: boolean): Promise<AuthCodeFlow> {
    return this.#call(request.correlationId, async (ctx) => {
      // The sign-in's state lives in this origin's sessionStorage, and a popup's URL is readable from
      // this origin only: a response on another origin (localhost for 127.0.0.1, www. for the bare
      // host) could never complete, a popup would wait out its timeout. Refused before the provider sees it.
      if (new URL(this.redirectUri, location.href).origin !== location.origin) {
        throw new ConfigurationError(`redirectUri ${this.redirectUri} must be on this page's origin ${location.origin}`);
      }
      return initiateAuthCodeFlow(ctx, ctx.authority, {
        ...request,
        // After a redirect a key that lived in the page (not in IndexedDB) is gone: a code bound to it could not be redeemed.
        bindCodeToDpopKey: !redirect || (await this.#dpop?.keyStored()),
        scopes: request.scopes ?? this.#options.scopes ?? [],
        redirectUri: this.redirectUri,
        responseMode: this.#options.responseMode ?? 'fragment',
        loginHint: request.loginHint ?? account?.username,
      });
    });
  }

  /** Redeems the response (a popup's, once it comes back) in the sign-in's call: its errors carry the flow's correlation id. */
  async #complete(flow: AuthCodeFlow, response: AuthResponse | Promise<string>, login?: boolean): Promise<AuthenticationResult> {
    const result = await this.#call(flow.correlationId, async (ctx) => acquireTokenByAuthCodeFlow(ctx, ctx.authority, flow, await response));
    this.#post({});
    if (login) this.#emit('signedIn', result);
    this.#emit('tokenAcquired', result);
    return result;
  }

  /**
   * A token without the user: the cache, else the refresh token (one refresh for all tabs, under a
   * Web Lock). Throws `InteractionRequiredError` when only the user can help: then sign in again.
   */
  async acquireTokenSilent(request: SilentRequest): Promise<AuthenticationResult> {
    // Memory first: core syncs the store right after, and other tabs' sign-outs reach memory by message.
    const account = request.account ?? accountsOf(this.tokenCache, this.clientId, this.#context.authority)[0] ?? (await this.getAccounts())[0];
    const result = await this.#call(request.correlationId, async (ctx) => {
      if (!account) throw new InteractionRequiredError({ error: 'no_account', errorDescription: 'Nobody is signed in; sign in interactively' });
      return acquireTokenSilent(ctx, ctx.authority, { ...request, account });
    });
    if (!result.fromCache) this.#post({});
    this.#emit('tokenAcquired', result);
    return result;
  }

  /** The signed-in accounts (of this client's issuer only, for an OIDC issuer), as the shared cache holds them now. */
  async getAccounts(): Promise<AccountInfo[]> {
    await this.#reload();
    return accountsOf(this.tokenCache, this.clientId, this.#context.authority);
  }

  /**
   * Signs the account out of this app in every tab of the origin (cache only; the provider's session
   * stays), after any refresh of the account under way in any tab: its answer would put the tokens back.
   * An OIDC client signs the user out of its issuer only, not of other issuers on its host.
   */
  async removeAccount(account: AccountInfo): Promise<void> {
    const { authority } = this.#context;
    await underWebLock(this.clientId, account, () => this.#context.persistence.write(PARTITION, (cache) => removeAccountOf(cache, account, authority)));
    this.#post({ signedOut: account, authority });
    this.#emit('accountRemoved', account);
  }

  /**
   * Removes the account (default: every account) from the cache in every tab, then navigates to
   * the provider's end_session_endpoint (core's endSessionUrl, as getLogoutUrl) with id_token_hint,
   * post_logout_redirect_uri, client_id and the request's state and logout_hint, or straight to the
   * post-logout URI when the provider has no such endpoint.
   */
  async logoutRedirect(request: LogoutRequest = {}): Promise<void> {
    const accounts = request.account ? [request.account] : await this.getAccounts();
    const first = accounts[0];
    const idToken = first && this.tokenCache.findIdToken(first.homeAccountId, first.environment, this.clientId, first.tenantId)?.secret;
    for (const account of accounts) await this.removeAccount(account);
    const target = request.postLogoutRedirectUri ?? this.#options.postLogoutRedirectUri ?? this.redirectUri;
    const context = this.#context;
    const metadata = await context.metadata(context.authority);
    location.assign(endSessionUrl(metadata, { client_id: this.clientId, post_logout_redirect_uri: target, id_token_hint: idToken, state: request.state, logout_hint: request.logoutHint }) ?? target);
  }

  /** Re-reads the shared cache: another tab may have signed in, refreshed or signed out. */
  #reload(): Promise<void> {
    // Core merges what other tabs wrote and drops what they removed; a failing store is logged, not thrown.
    return this.#context.persistence.sync(PARTITION);
  }

  #post(message: TabMessage): void {
    this.#channel?.postMessage(message);
  }

  // A tab of an older version names no authority: its sign-out was at this client's.
  #onTabMessage({ signedOut, authority = this.#context.authority }: TabMessage): void {
    if (!signedOut) return void this.#reload();
    // What the other tab removed (at its authority); the account was this client's unless that is another OIDC issuer.
    removeAccountOf(this.tokenCache, signedOut, authority);
    if (authority.kind === 'entra' || authority.url === this.#context.authority.url) this.#emit('accountRemoved', signedOut);
  }
}

/** Creates a BrowserClient; see BrowserClientOptions. */
export function createBrowserClient(options: BrowserClientOptions): BrowserClient {
  return new BrowserClient(options);
}
