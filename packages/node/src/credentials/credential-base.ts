import {
  type AuthenticationResult,
  type CacheStore,
  type ClientApplication,
  type ClientApplicationOptions,
  ConfigurationError,
  type HttpClient,
  type LogLevel,
  LogSink,
} from '@tessera/core';
import { FileCacheStore } from '../cache/file-cache-store.js';
import { keyringEncryption } from '../cache/keyring-encryption.js';
import { NodeHttpClient, createNodeHttpClient } from '../http/node-http-client.js';
import { NODE_LIBRARY_INFO, retryWithTimeout } from '../node-client.js';
import { type CredentialAuthority, type TokenCredentialOptions, credentialAuthority, credentialLogSink, requestTenant } from './options.js';
import type { AbortSignalLike, AccessToken, GetTokenOptions, TokenCredential } from './token-credential.js';

/** One getToken call after validation: what the subclasses' flows need. */
export interface CredentialRequest {
  scopes: string[];
  claims?: string;
  /** Another tenant than the configured one (already allowed); undefined for the configured one. */
  tenant?: string;
  signal?: AbortSignal;
  /** Continuous Access Evaluation: the `CP1` capability is declared and tokens are cached apart. */
  cae: boolean;
}

export type BearerToken = AccessToken & { tokenType: 'Bearer' };

/** Symbol.asyncDispose on Node versions that define it; Node registers it as this global symbol. */
export const asyncDispose: typeof Symbol.asyncDispose = Symbol.asyncDispose;

/**
 * What every credential shares: authority and tenant rules, core client construction (one per
 * CAE mode, since CAE and non-CAE tokens must never be served to each other), file persistence,
 * the getToken envelope (scopes, tenant check, abort/timeout, AccessToken shape, logging) and close().
 */
export abstract class CredentialBase<App extends ClientApplication> implements TokenCredential {
  /** Shown in log lines and errors, e.g. "ClientSecretCredential" (class names do not survive minifying). */
  protected abstract readonly credentialName: string;
  protected readonly authority: CredentialAuthority;
  private readonly allowedTenants: readonly string[];
  private readonly http: HttpClient;
  private readonly apps = new Map<boolean, Promise<App>>();
  private readonly stores: { cae?: CacheStore; nocae?: CacheStore };
  private closed = false;
  private logSink?: LogSink;

  protected constructor(
    protected readonly clientId: string,
    tenantId: string | undefined,
    protected readonly options: TokenCredentialOptions,
    defaultTenant?: string,
  ) {
    if (!clientId) throw new ConfigurationError('A client id is required');
    this.authority = credentialAuthority(tenantId, options, defaultTenant);
    this.allowedTenants = options.additionallyAllowedTenants ?? [];
    const { httpClient, proxy, noProxy, ca, timeoutMs } = options;
    this.http = createNodeHttpClient({ httpClient, proxy, noProxy, ca, timeoutMs });
    this.stores = this.persistentStores();
  }

  /** An access token for the scopes: from the cache, else from the authority. Rejects with a TesseraError (e.g. CredentialUnavailableError, ServerError) that says what to fix. */
  async getToken(scopes: string | string[], options: GetTokenOptions = {}): Promise<BearerToken> {
    const result = await this.execute(scopes, options, (app, request) => this.acquire(app, request));
    return {
      token: result.accessToken,
      expiresOnTimestamp: result.expiresOn.getTime(),
      ...(result.refreshOn ? { refreshAfterTimestamp: result.refreshOn.getTime() } : {}),
      tokenType: 'Bearer',
    };
  }

  /** The getToken envelope around `work`: checks (before any request), signal, client, logging. */
  protected async execute(
    scopes: string | string[],
    options: GetTokenOptions,
    work: (app: App, request: CredentialRequest) => Promise<AuthenticationResult>,
  ): Promise<AuthenticationResult> {
    if (this.closed) throw new ConfigurationError(`${this.credentialName} was closed`, 'credential_closed');
    const list = (typeof scopes === 'string' ? [scopes] : scopes).flatMap((s) => s.split(/\s+/)).filter(Boolean);
    if (list.length === 0) throw new ConfigurationError(`${this.credentialName}.getToken needs at least one scope`);
    if (options.proofOfPossessionOptions) {
      throw new ConfigurationError('Proof-of-possession tokens are not supported; only Bearer tokens', 'pop_not_supported');
    }
    const tenant = requestTenant(this.authority, this.allowedTenants, options.tenantId);
    if (options.tenantId && !this.authority.entra) {
      this.log('verbose', `tenantId "${options.tenantId}" ignored: ${this.authority.url} is an OpenID Connect issuer without tenants`);
    }
    const { signal, release } = linkSignal(options.abortSignal, options.requestOptions?.timeout);
    try {
      const cae = options.enableCae === true;
      const app = await this.app(cae);
      const result = await work(app, { scopes: list, claims: options.claims, tenant, signal, cae });
      this.logSuccess(list, result);
      return result;
    } catch (error) {
      // The server's description may name the user: describeError leaves it out unless PII logging is on.
      this.log('info', () => `${this.credentialName}.getToken failed: ${this.logSink!.describeError(error)}`);
      throw error;
    } finally {
      release();
    }
  }

  /** Gets a token with the core client of the request's CAE mode. */
  protected abstract acquire(app: App, request: CredentialRequest): Promise<AuthenticationResult>;

  /** Builds the core client from the options every credential shares; may be async (reading a certificate). */
  protected abstract createApp(options: ClientApplicationOptions): App | Promise<App>;

  /** The core client of a CAE mode, built on first use; a failed build is retried next time. */
  protected app(cae: boolean): Promise<App> {
    let pending = this.apps.get(cae);
    if (!pending) {
      pending = Promise.resolve().then(() => this.createApp(this.clientOptions(cae)));
      this.apps.set(cae, pending);
      pending.catch(() => this.apps.delete(cae));
    }
    return pending;
  }

  /** The persistent store of a CAE mode, if any. SharedTokenCacheCredential supplies its own file. */
  protected cacheStore(cae: boolean): CacheStore | undefined {
    return cae ? this.stores.cae : this.stores.nocae;
  }

  private clientOptions(cae: boolean): ClientApplicationOptions {
    const logging = this.options.loggingOptions ?? {};
    const persistence = this.options.tokenCachePersistenceOptions;
    return {
      clientId: this.clientId,
      authority: this.authority.url,
      knownEntraHosts: this.authority.knownEntraHosts,
      httpClient: this.http,
      retry: retryWithTimeout(this.options.retryOptions, this.options.timeoutMs),
      libraryInfo: NODE_LIBRARY_INFO,
      instanceDiscovery: this.options.disableInstanceDiscovery !== true,
      cacheStore: this.cacheStore(cae),
      // An encrypted cache that cannot be used (no secret store, wrong key) is an error to show, not a warning.
      cacheStoreErrors: persistence?.enabled && persistence.unsafeAllowUnencryptedStorage !== true ? 'throw' : undefined,
      clientCapabilities: cae ? ['CP1'] : undefined,
      logger: logging.logger,
      level: logging.level,
      piiLoggingEnabled: logging.enableUnsafeSupportLogging === true,
    };
  }

  private persistentStores(): { cae?: CacheStore; nocae?: CacheStore } {
    const persistence = this.options.tokenCachePersistenceOptions;
    if (!persistence?.enabled) return {};
    // Separate files per CAE mode, named as @azure/identity names them, each with its own key.
    const fallback = persistence.unsafeAllowUnencryptedStorage === true;
    const store = (suffix: string) => {
      const name = `${persistence.name ?? 'tessera.cache'}.${suffix}`;
      return new FileCacheStore({ name, directory: persistence.directory, encryption: keyringEncryption({ name, allowPlaintextFallback: fallback }) });
    };
    return { cae: store('cae'), nocae: store('nocae') };
  }

  /** Core's level filter; messages are built only when a logger takes them (getToken's cache hits stay cheap). */
  protected log(level: LogLevel, message: string | (() => string)): void {
    (this.logSink ??= credentialLogSink(this.options.loggingOptions)).log(level, message);
  }

  private logSuccess(scopes: string[], result: AuthenticationResult): void {
    this.log('info', () => {
      const who = this.options.loggingOptions?.allowLoggingAccountIdentifiers
        ? ` Client ID: ${this.clientId}. Tenant ID: ${result.tenantId ?? 'n/a'}. User: ${result.account?.username || 'n/a'}. Object ID: ${result.account?.localAccountId ?? 'n/a'}.`
        : '';
      return `${this.credentialName}.getToken succeeded for scopes "${scopes.join(' ')}"${result.fromCache ? ' (cached)' : ''}.${who}`;
    });
  }

  /** Releases the transport this credential created; later getToken calls fail. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Only the transport we created is ours to close; a caller's httpClient stays open.
    if (this.http instanceof NodeHttpClient && this.http !== this.options.httpClient) await this.http.close();
  }

  /** `await using` support: the same as close(). */
  [asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** A real AbortSignal from Azure's AbortSignalLike and/or a timeout, and a function to undo the wiring. */
function linkSignal(source: AbortSignalLike | undefined, timeoutMs: number | undefined): { signal?: AbortSignal; release: () => void } {
  if (!timeoutMs && (source === undefined || source instanceof AbortSignal)) return { signal: source as AbortSignal | undefined, release: () => {} };
  const controller = new AbortController();
  const onAbort = () => controller.abort(source?.reason);
  if (source?.aborted) onAbort();
  else source?.addEventListener('abort', onAbort);
  const timer = timeoutMs ? setTimeout(() => controller.abort(new Error(`getToken timed out after ${timeoutMs} ms`)), timeoutMs) : undefined;
  return {
    signal: controller.signal,
    release: () => {
      clearTimeout(timer);
      source?.removeEventListener('abort', onAbort);
    },
  };
}
