import { type AccessTokenEntity, AbortError, ConfigurationError, type HttpClient, type LogLevel, LogSink, SingleFlight, TokenCache } from '@tessera/core';
import { NodeHttpClient } from '../../http/node-http-client.js';
import { type BearerToken, asyncDispose } from '../credential-base.js';
import { CredentialUnavailableError } from '../errors.js';
import { type TokenCredentialOptions, credentialLogSink } from '../options.js';
import type { AbortSignalLike, GetTokenOptions, TokenCredential } from '../token-credential.js';
import { appServiceSource } from './app-service.js';
import { azureArcSource, defaultArcTokenDirectory } from './azure-arc.js';
import { cloudShellSource } from './cloud-shell.js';
import { DEFAULT_IMDS_RETRY, imdsSource } from './imds.js';
import { machineLearningSource } from './machine-learning.js';
import { serviceFabricSource } from './service-fabric.js';
import type { ImdsRetrySchedule, ManagedIdentityId, ManagedIdentitySource, SourceContext } from './source.js';
import { tokenExchangeSource } from './token-exchange.js';

/** A user-assigned managed identity, by exactly one of its ids. */
export type ManagedIdentityIdOptions =
  | {
      /** The user-assigned identity's client id. */
      clientId: string;
    }
  | {
      /** The user-assigned identity's object (principal) id. */
      objectId: string;
    }
  | {
      /** The user-assigned identity's Azure resource id. */
      resourceId: string;
    };

/**
 * Options of ManagedIdentityCredential. `authorityHost` / `authority`, `proxy` and `noProxy` apply to
 * the AKS token exchange only (it reaches Entra); the managed identity endpoints are local and are
 * reached directly, never through a proxy.
 */
export interface ManagedIdentityCredentialOptions
  extends Pick<TokenCredentialOptions, 'httpClient' | 'loggingOptions' | 'timeoutMs' | 'authorityHost' | 'authority' | 'proxy' | 'noProxy' | 'ca'> {
  /** Client id of a user-assigned identity. */
  clientId?: string;
  /** Object (principal) id of a user-assigned identity. */
  objectId?: string;
  /** Azure resource id of a user-assigned identity (`/subscriptions/.../userAssignedIdentities/name`). */
  resourceId?: string;
  /**
   * Probe IMDS (a request with a short timeout) before the first token request, so that a machine
   * without IMDS fails fast with CredentialUnavailableError; an answer that is not JSON (not IMDS)
   * is CredentialUnavailableError too. DefaultAzureCredential turns it on.
   */
  sendProbeRequest?: boolean;
  /** Milliseconds the IMDS probe waits (default 1000, or `getToken`'s `requestOptions.timeout`). */
  probeTimeoutMs?: number;
  /** The IMDS retry schedule on 404/408/410/429/5xx (default: MSAL's; see DEFAULT_IMDS_RETRY). */
  imdsRetryOptions?: Partial<ImdsRetrySchedule>;
  /** The environment variables to select the source from (default `process.env`). */
  environment?: Readonly<Record<string, string | undefined>>;
  /** Folder of Azure Arc's challenge files (default `/var/opt/azcmagent/tokens`, on Windows `%ProgramData%\AzureConnectedMachineAgent\Tokens`). */
  azureArcTokenDirectory?: string;
}

/** A cached token is renewed this many seconds before it expires (as core does for every flow). */
const EXPIRY_MARGIN_MS = 300_000;
// The cache keys of MSAL's managed identity entries: no account, a realm of its own.
const ENVIRONMENT = 'managed_identity';
const REALM = 'managed_identity';

/**
 * Tokens of the Azure resource's managed identity, shaped like @azure/identity's credential of the
 * same name. The source is chosen from the environment as @azure/identity does: AKS workload
 * identity (token exchange), Service Fabric, App Service / Functions, Azure Machine Learning,
 * Cloud Shell, Azure Arc, and last IMDS (VMs, scale sets). Tokens are cached until 5 minutes before expiry (renewed in the
 * background after the endpoint's refresh time) and concurrent requests share one call.
 *
 * @example
 * ```ts
 * const system = new ManagedIdentityCredential();
 * const user = new ManagedIdentityCredential('<client id>'); // or { objectId } / { resourceId }
 * const { token } = await system.getToken('https://management.azure.com/.default');
 * ```
 */
export class ManagedIdentityCredential implements TokenCredential {
  /** Shown in log lines and errors. */
  readonly credentialName = 'ManagedIdentityCredential';
  private readonly id: ManagedIdentityId;
  private readonly options: ManagedIdentityCredentialOptions;
  private readonly http: HttpClient;
  private readonly logSink: LogSink;
  private readonly cache = new TokenCache();
  private readonly flights = new SingleFlight();
  private source?: ManagedIdentitySource | null;
  private closed = false;

  constructor();
  constructor(clientId: string, options?: ManagedIdentityCredentialOptions);
  constructor(options: ManagedIdentityCredentialOptions | ManagedIdentityIdOptions);
  constructor(clientIdOrOptions?: string | ManagedIdentityCredentialOptions, maybeOptions: ManagedIdentityCredentialOptions = {}) {
    const options: ManagedIdentityCredentialOptions =
      typeof clientIdOrOptions === 'string' ? { ...maybeOptions, clientId: clientIdOrOptions } : (clientIdOrOptions ?? {});
    this.options = options;
    this.id = identityOf(options);
    const { httpClient, ca, timeoutMs, proxy, noProxy } = options;
    if (httpClient && [ca, timeoutMs, proxy, noProxy].some((o) => o !== undefined)) {
      throw new ConfigurationError('`httpClient` replaces the Node transport: configure proxy, noProxy, ca and timeoutMs on it instead');
    }
    // The endpoints are local (link-local IMDS, a sidecar): never through a proxy.
    this.http = httpClient ?? new NodeHttpClient({ proxy: false, ca, timeoutMs });
    this.logSink = credentialLogSink(options.loggingOptions);
  }

  /**
   * A token for one scope (`<resource>/.default`). Throws CredentialUnavailableError when no managed
   * identity is reachable here, AuthenticationError when the endpoint refuses.
   */
  async getToken(scopes: string | string[], options: GetTokenOptions = {}): Promise<BearerToken> {
    if (this.closed) throw new ConfigurationError(`${this.credentialName} was closed`, 'credential_closed');
    const list = (typeof scopes === 'string' ? [scopes] : scopes).flatMap((s) => s.split(/\s+/)).filter(Boolean);
    if (list.length !== 1) {
      throw new CredentialUnavailableError(`${this.credentialName}: exactly one scope is supported (a resource's "/.default"); got ${list.length}`);
    }
    const scope = list[0]!;
    const resource = scope.endsWith('/.default') ? scope.slice(0, -'/.default'.length) : scope;
    const now = Date.now();
    const hit = options.claims ? undefined : this.cached(scope, now);
    if (hit) {
      if (hit.refreshAfterTimestamp !== undefined && hit.refreshAfterTimestamp <= now) {
        this.fetch(scope, resource).catch((error: unknown) => this.log('warning', () => `${this.credentialName}: background renewal failed: ${this.logSink.describeError(error)}`));
      }
      return hit;
    }
    try {
      const token = await waitFor(this.fetch(scope, resource), options.abortSignal, options.requestOptions?.timeout);
      this.log('info', () => `${this.credentialName}.getToken succeeded for scope "${scope}" (${this.source?.name})`);
      return token;
    } catch (error) {
      // The endpoint's description may name the identity: describeError leaves it out unless PII logging is on.
      this.log('info', () => `${this.credentialName}.getToken failed: ${this.logSink.describeError(error)}`);
      throw error;
    }
  }

  /** The cached token of the scope if it is good for 5 more minutes. Synchronous: the hot path. */
  private cached(scope: string, now: number): BearerToken | undefined {
    const at = this.cache.findAccessToken({ homeAccountId: '', environment: ENVIRONMENT, clientId: this.idKey(), realm: REALM, scopes: [scope.toLowerCase()] });
    if (!at) return undefined;
    const expiresOn = Number(at.expires_on) * 1000;
    if (!(expiresOn - now > EXPIRY_MARGIN_MS)) return undefined;
    const refreshOn = at.refresh_on === undefined ? undefined : Number(at.refresh_on) * 1000;
    return { token: at.secret, expiresOnTimestamp: expiresOn, ...(refreshOn !== undefined ? { refreshAfterTimestamp: refreshOn } : {}), tokenType: 'Bearer' };
  }

  /** One request per scope at a time, whoever asks; the caller's signal ends only its own wait. */
  private fetch(scope: string, resource: string): Promise<BearerToken> {
    return this.flights.run(scope.toLowerCase(), undefined, async () => {
      const source = this.selectSource();
      const t = await source.getToken(resource, scope);
      const at: AccessTokenEntity = {
        credential_type: 'AccessToken',
        secret: t.token,
        home_account_id: '',
        environment: ENVIRONMENT,
        client_id: this.idKey(),
        realm: REALM,
        target: scope,
        token_type: 'Bearer',
        cached_at: String(Math.floor(Date.now() / 1000)),
        expires_on: String(Math.floor(t.expiresOn / 1000)),
        ...(t.refreshOn !== undefined ? { refresh_on: String(Math.floor(t.refreshOn / 1000)) } : {}),
      };
      this.cache.upsert('AccessToken', at);
      return { token: t.token, expiresOnTimestamp: t.expiresOn, ...(t.refreshOn !== undefined ? { refreshAfterTimestamp: t.refreshOn } : {}), tokenType: 'Bearer' };
    });
  }

  /** The source of this environment, chosen on first use in @azure/identity's order. */
  private selectSource(): ManagedIdentitySource {
    if (this.source) return this.source;
    const o = this.options;
    const log = (level: LogLevel, message: string) => this.log(level, message);
    const ctx: SourceContext = {
      env: o.environment ?? process.env,
      http: this.http,
      id: this.id,
      log,
      imdsRetry: { ...DEFAULT_IMDS_RETRY, ...o.imdsRetryOptions },
      probeImds: o.sendProbeRequest === true,
      probeTimeoutMs: o.probeTimeoutMs ?? 1000,
      exchange: pick(o, ['httpClient', 'loggingOptions', 'timeoutMs', 'authorityHost', 'authority', 'proxy', 'noProxy', 'ca']),
    };
    this.source =
      tokenExchangeSource(ctx) ??
      serviceFabricSource(ctx, o.httpClient !== undefined) ??
      appServiceSource(ctx) ??
      machineLearningSource(ctx) ??
      cloudShellSource(ctx) ??
      azureArcSource(ctx, o.azureArcTokenDirectory ?? defaultArcTokenDirectory()) ??
      imdsSource(ctx);
    this.log('info', `${this.credentialName}: using ${this.source.name}`);
    return this.source;
  }

  /** The name of the source in use ("IMDS", "App Service", ...), chosen on first getToken; undefined before. */
  get sourceName(): string | undefined {
    return this.source?.name;
  }

  private idKey(): string {
    return this.id.kind === 'system' ? 'system_assigned_managed_identity' : `${this.id.kind}:${this.id.value}`;
  }

  private log(level: LogLevel, message: string | (() => string)): void {
    this.logSink.log(level, message);
  }

  /** Releases the transports this credential created; later getToken calls fail. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.source?.close?.();
    if (this.http instanceof NodeHttpClient && this.http !== this.options.httpClient) await this.http.close();
  }

  /** `await using` support: the same as close(). */
  [asyncDispose](): Promise<void> {
    return this.close();
  }
}

function identityOf(options: ManagedIdentityCredentialOptions): ManagedIdentityId {
  const given = (['clientId', 'objectId', 'resourceId'] as const).filter((k) => options[k] !== undefined);
  if (given.length > 1) {
    throw new ConfigurationError(`ManagedIdentityCredential: give only one of clientId, objectId and resourceId (got ${given.join(', ')})`);
  }
  const kind = given[0];
  if (!kind) return { kind: 'system' };
  const value = options[kind]!;
  if (!value.trim()) throw new ConfigurationError(`ManagedIdentityCredential: ${kind} is empty`);
  return { kind, value };
}

function pick<T extends object, K extends keyof T>(o: T, keys: readonly K[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, o[k]]));
}

/** The shared promise, abandoned (not cancelled) when this caller's signal fires or its timeout passes. */
function waitFor<T>(work: Promise<T>, signal: AbortSignalLike | undefined, timeoutMs: number | undefined): Promise<T> {
  if (!signal && !timeoutMs) return work;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => finish(() => reject(new AbortError(signal?.reason)));
    const timer = timeoutMs ? setTimeout(() => finish(() => reject(new AbortError(new Error(`getToken timed out after ${timeoutMs} ms`)))), timeoutMs) : undefined;
    const finish = (settle: () => void) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      settle();
    };
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort);
    work.then((v) => finish(() => resolve(v)), (e: unknown) => finish(() => reject(e)));
  });
}

export type { ManagedIdentityId, ImdsRetrySchedule } from './source.js';
export { DEFAULT_IMDS_RETRY } from './imds.js';
