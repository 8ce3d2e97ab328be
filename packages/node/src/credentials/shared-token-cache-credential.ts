import { join } from 'node:path';
import {
  type AccountInfo,
  type AuthenticationResult,
  type CacheStore,
  type ClientApplicationOptions,
  InteractionRequiredError,
  PublicClientApplication,
  refreshTokenRealm,
} from '@tessera/core';
import { CacheStoreUnavailableError } from '../cache/errors.js';
import { DEFAULT_PARTITION, FileCacheStore } from '../cache/file-cache-store.js';
import { homedir } from '../node-builtins.js';
import { CredentialBase, type CredentialRequest } from './credential-base.js';
import { DEVELOPER_SIGN_ON_CLIENT_ID, checkDefaultClientId } from './defaults.js';
import { CredentialUnavailableError } from './errors.js';
import type { TokenCredentialOptions } from './options.js';

export interface SharedTokenCacheCredentialOptions extends TokenCredentialOptions {
  /** The user to act as (case-insensitive); needed when the cache holds several accounts. */
  username?: string;
  /** Selects the account by tenant (Entra; its home tenant or a tenant it has tokens in) and is the authority's tenant. Default "organizations". */
  tenantId?: string;
  /** The client whose refresh tokens are used. Default: the Azure CLI's (Entra only). */
  clientId?: string;
  /**
   * The cache file. Default: the cache Microsoft developer tools share, `~/.IdentityService/msal.cache`
   * (`%LOCALAPPDATA%\.IdentityService\msal.cache` on Windows). With `tokenCachePersistenceOptions`
   * instead, the cache the other credentials persist to under those options.
   */
  cachePath?: string;
}

/** Where Microsoft developer tools (Azure CLI, Visual Studio, azure-identity) share their cache. */
export function defaultSharedCachePath(): string {
  const base = process.platform === 'win32' ? (process.env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local')) : homedir();
  return join(base, '.IdentityService', 'msal.cache');
}

const UNAVAILABLE = 'SharedTokenCacheCredential authentication unavailable.';

/**
 * Tokens of an account that signed in with another tool, from a cache file in MSAL's unified
 * JSON format: a cached access token, else the account's refresh token. Refreshed tokens are
 * written back to the file under its lock, so the other tools see them.
 * Only plain JSON files can be read: caches the other tools encrypt (DPAPI on Windows, the macOS
 * Keychain, libsecret) are reported unavailable and left untouched.
 */
export class SharedTokenCacheCredential extends CredentialBase<PublicClientApplication> {
  protected readonly credentialName = 'SharedTokenCacheCredential';
  private readonly username?: string;
  private readonly tenantFilter?: string;
  private readonly sharedStore?: SharedCacheFile;

  constructor(options: SharedTokenCacheCredentialOptions = {}) {
    super(options.clientId ?? DEVELOPER_SIGN_ON_CLIENT_ID, options.tenantId, options, 'organizations');
    checkDefaultClientId(this.credentialName, options.clientId, this.authority);
    this.username = options.username;
    // An issuer has no tenants; accounts of a generic OIDC authority are selected by username only.
    this.tenantFilter = this.authority.entra ? options.tenantId : undefined;
    if (options.cachePath !== undefined || !options.tokenCachePersistenceOptions?.enabled) {
      this.sharedStore = new SharedCacheFile(options.cachePath ?? defaultSharedCachePath());
    }
  }

  protected override cacheStore(cae: boolean): CacheStore | undefined {
    // One shared file for both CAE modes: other tools do not split it.
    return this.sharedStore ?? super.cacheStore(cae);
  }

  protected createApp(options: ClientApplicationOptions): PublicClientApplication {
    return new PublicClientApplication(options);
  }

  protected async acquire(app: PublicClientApplication, request: CredentialRequest): Promise<AuthenticationResult> {
    // Core carries on in memory when a store fails; an unusable shared file must make us unavailable instead.
    await this.sharedStore?.check();
    const account = await this.selectAccount(app, request.signal);
    try {
      return await app.acquireTokenSilent({ account, scopes: request.scopes, claims: request.claims, tenant: request.tenant, signal: request.signal });
    } catch (error) {
      if (error instanceof InteractionRequiredError && error.error === 'no_tokens_found') {
        throw new CredentialUnavailableError(
          `${UNAVAILABLE} No token for user "${account.username}"; sign in again with a developer tool that uses the shared cache (e.g. az login)`,
          { cause: error },
        );
      }
      throw error;
    }
  }

  /** Exactly one account this client can refresh, matching username and tenant, or CredentialUnavailableError. */
  private async selectAccount(app: PublicClientApplication, signal?: AbortSignal): Promise<AccountInfo> {
    // getAccounts also loads the file if it changed since the last call.
    const refreshable = (await app.getAccounts({ signal })).filter((a) =>
      app.tokenCache.findRefreshToken(a.homeAccountId, app.authority.environment, this.clientId, { realm: refreshTokenRealm(app.authority) }),
    );
    if (refreshable.length === 0) throw new CredentialUnavailableError(`${UNAVAILABLE} No accounts were found in the cache.`);

    const wantedUser = this.username?.toLowerCase();
    const wantedTenant = this.tenantFilter?.toLowerCase();
    // One entry per user: a guest user has an account entity per tenant; keep the one of the tenant asked for.
    const byHome = new Map<string, AccountInfo>();
    for (const account of refreshable) {
      if (wantedUser !== undefined && account.username.toLowerCase() !== wantedUser) continue;
      const homeTenant = account.homeAccountId.split('.')[1]?.toLowerCase();
      const inTenant = account.tenantId.toLowerCase() === wantedTenant;
      if (wantedTenant !== undefined && homeTenant !== wantedTenant && !inTenant) continue;
      if (!byHome.has(account.homeAccountId) || inTenant) byHome.set(account.homeAccountId, account);
    }
    const matches = [...byHome.values()];
    if (matches.length === 1) return matches[0]!;
    const criteria = [this.username && `username "${this.username}"`, this.tenantFilter && `tenantId "${this.tenantFilter}"`].filter(Boolean).join(' and ');
    if (matches.length === 0) {
      throw new CredentialUnavailableError(
        criteria ? `${UNAVAILABLE} No account matching ${criteria} was found in the cache.` : `${UNAVAILABLE} No accounts were found in the cache.`,
      );
    }
    throw new CredentialUnavailableError(
      criteria
        ? `${UNAVAILABLE} Multiple accounts matching ${criteria} were found in the cache; add tenantId or username to pick one.`
        : `${UNAVAILABLE} Multiple accounts were found in the cache. Use username and tenantId to disambiguate.`,
    );
  }
}

/**
 * The shared file through FileCacheStore (its lock and atomic writes), but never handing it an
 * unreadable file: FileCacheStore moves corrupt files aside, which would destroy the encrypted
 * cache of the tools that own it. Such a file makes the credential unavailable instead.
 */
class SharedCacheFile implements CacheStore {
  private readonly store: FileCacheStore;

  constructor(private readonly path: string) {
    // Never move another tool's file aside: one we cannot read may be its encrypted cache.
    this.store = new FileCacheStore({ path, allowUnencryptedStorage: true, onCorrupt: 'refuse' });
  }

  /** Throws CredentialUnavailableError when the file is missing, empty or not plain cache JSON. */
  async check(): Promise<void> {
    if ((await this.load(DEFAULT_PARTITION)) === undefined) {
      throw new CredentialUnavailableError(`${UNAVAILABLE} No accounts were found in the cache (${this.path} is missing or empty).`);
    }
  }

  load(partitionKey: string, signal?: AbortSignal): Promise<string | undefined> {
    return this.unavailableOnFailure(this.store.load(partitionKey, signal));
  }

  save(partitionKey: string, data: string, signal?: AbortSignal): Promise<void> {
    return this.unavailableOnFailure(this.store.save(partitionKey, data, signal));
  }

  update(partitionKey: string, mutate: (current: string | undefined) => string, signal?: AbortSignal): Promise<string> {
    return this.unavailableOnFailure(this.store.update(partitionKey, mutate, signal));
  }

  private async unavailableOnFailure<T>(work: Promise<T>): Promise<T> {
    try {
      return await work;
    } catch (error) {
      if (!(error instanceof CacheStoreUnavailableError)) throw error;
      throw new CredentialUnavailableError(`${UNAVAILABLE} ${error.message} (other tools may encrypt it with DPAPI, Keychain or libsecret).`);
    }
  }
}
