import type { Authority } from '../authority/authority.js';
import { partitionKeys } from '../cache/cache-store.js';
import { refreshTokenRealm, tokenRealm } from '../cache/token-cache.js';
import { InteractionRequiredError } from '../errors.js';
import { type AccountInfo, type AuthenticationResult, tokenResult } from '../results.js';
import { normalizeScopes, resourceScopes } from '../scopes.js';
import type { FlowContext, RequestOptions } from './context.js';
import { refreshAccessToken } from './refresh-token.js';
import { OFFLINE_ACCESS_HINT } from './token-request.js';

/** Options of acquireTokenSilent. */
export interface SilentOptions extends RequestOptions {
  /** The scopes the token must carry. */
  scopes: string | string[];
  /** The signed-in account (from getAccounts or a sign-in result). */
  account: AccountInfo;
  /** Ignore a cached access token and use the refresh token. */
  forceRefresh?: boolean;
}

/** The most a cached token's expiry margin can be (MSAL's five minutes). */
export const EXPIRY_MARGIN_SECONDS = 300;
/** The least margin: time for the token to reach the resource and be checked there. */
export const MIN_EXPIRY_MARGIN_SECONDS = 5;

/**
 * A cached access token within this many seconds of expiry is not handed out:
 * 10% of its lifetime (`expires_on - cached_at`), at least 5 s and at most 300 s. So a one-hour
 * token is refreshed 5 minutes early, as MSAL does, and a 60 s token is still served for 54 s
 * (a fixed 5 minutes would refresh it on every call). Unknown lifetime: 300 s.
 */
export function expiryMarginSeconds(lifetimeSeconds: number): number {
  if (!Number.isFinite(lifetimeSeconds) || lifetimeSeconds <= 0) return EXPIRY_MARGIN_SECONDS;
  return Math.min(EXPIRY_MARGIN_SECONDS, Math.max(MIN_EXPIRY_MARGIN_SECONDS, lifetimeSeconds / 10));
}

/** What a cached token is looked up by (see cachedResult). */
export interface CacheQuery {
  homeAccountId: string;
  environment: string;
  realm: string;
  scopes: readonly string[];
  userAssertionHash?: string;
  account?: AccountInfo;
}

/**
 * Loads the DPoP key if it is not loaded yet, so that cache lookups (which need its thumbprint)
 * stay synchronous; undefined when there is nothing to wait for.
 */
export function dpopKeyLoading(ctx: FlowContext): Promise<unknown> | undefined {
  return ctx.dpop && !ctx.dpop.keyId ? ctx.dpop.key() : undefined;
}

/**
 * A usable cached access token as a result, or undefined. Kept free of awaits: it is the hot path.
 * A DPoP client gets only DPoP tokens of its own key; a Bearer client only Bearer tokens.
 */
export function cachedResult(ctx: FlowContext, q: CacheQuery, correlationId = ctx.correlationId): AuthenticationResult | undefined {
  const dpop = ctx.dpop;
  if (dpop && !dpop.keyId) return undefined;
  // Fields named one by one: a spread plus extra fields takes V8's slow path (microseconds on a hit).
  const at = ctx.persistence.cache.findAccessToken({
    homeAccountId: q.homeAccountId,
    environment: q.environment,
    realm: q.realm,
    scopes: q.scopes,
    userAssertionHash: q.userAssertionHash,
    clientId: ctx.clientId,
    tokenType: dpop && 'DPoP',
    keyId: dpop?.keyId,
  });
  if (!at) return undefined;
  const expiresOn = Number(at.expires_on);
  // An expiry that cannot be read (a damaged cache) means expired, never "valid forever" (NaN compares false).
  if (!Number.isFinite(expiresOn) || expiresOn - ctx.now() <= expiryMarginSeconds(expiresOn - Number(at.cached_at))) return undefined;
  return tokenResult(at, q.account, true, correlationId);
}

/**
 * Cache, then refresh token. A token past its `refresh_on` is still returned, and refreshed in
 * the background. Only when nothing silent can work: InteractionRequiredError.
 * Like every flow it uses the authority it is given: for `tenant`, pass that tenant's authority
 * (ClientApplication does); `tenant` itself selects the cached tokens' realm.
 */
export async function acquireTokenSilent(ctx: FlowContext, authority: Authority, options: SilentOptions): Promise<AuthenticationResult> {
  await silentCacheReady(ctx, options);
  return silentWithReadyCache(ctx, authority, options);
}

/**
 * What a silent call's cache lookup waits for: the DPoP key (its thumbprint selects tokens) and
 * the store's copy of the account's partition. Undefined when there is nothing to wait for.
 */
export function silentCacheReady(ctx: FlowContext, { account, signal }: Pick<SilentOptions, 'account' | 'signal'>): Promise<unknown> | undefined {
  const loading = dpopKeyLoading(ctx);
  const sync = () => ctx.persistence.sync(partitionKeys.account(ctx.partitioning, account.homeAccountId), signal);
  return ctx.persistence.persistent ? (loading ? loading.then(sync) : sync()) : loading;
}

/**
 * The cached token for a silent call once the cache is ready (see silentCacheReady); claims and
 * forceRefresh always go to the server. `scopes`: the lookup scopes of `options.scopes`
 * (ClientApplication passes lookupScopes', remembered per request).
 */
export function silentHit(
  ctx: FlowContext,
  options: SilentOptions,
  correlationId?: string,
  scopes: readonly string[] = resourceScopes(normalizeScopes(options.scopes)),
): AuthenticationResult | undefined {
  if (options.forceRefresh || options.claims) return undefined;
  const { account } = options;
  const realm = options.tenant ?? tokenRealm(ctx.authority, account.tenantId);
  return cachedResult(ctx, { homeAccountId: account.homeAccountId, environment: account.environment, realm, scopes, account }, correlationId);
}

/**
 * acquireTokenSilent once the cache is ready (see silentCacheReady). Concurrent calls for the same
 * account and scopes share one refresh (and one rotation), run with the flight's signal: it stops
 * only when every caller has aborted.
 */
export async function silentWithReadyCache(ctx: FlowContext, authority: Authority, options: SilentOptions): Promise<AuthenticationResult> {
  const hit = silentHit(ctx, options);
  if (hit && !refreshDue(ctx, hit)) return hit;
  const { account } = options;
  const scopes = normalizeScopes(options.scopes);
  const key = ['rt', account.homeAccountId, account.environment, authority.url, ctx.clientId, resourceScopes(scopes).sort().join(' '), options.claims ?? ''].join('\n');
  const refreshing = ctx.singleFlight.run(key, options.signal, (signal) => refreshShared(ctx, authority, { ...options, scopes, signal }), ctx.correlationId);
  if (!hit) return refreshing;
  refreshing.catch((error: unknown) => ctx.log.log('warning', () => `Background refresh failed: ${ctx.log.describeError(error)}`));
  return hit;
}

/** Whether a cached token's `refresh_on` has passed (it is still served, and refreshed in the background). */
export const refreshDue = (ctx: FlowContext, hit: AuthenticationResult) => hit.refreshOn !== undefined && hit.refreshOn.getTime() <= ctx.now() * 1000;

/** The app's own cached refresh token for the account at `authority` (one of the DPoP key, if any). */
export const ownRefreshToken = (ctx: FlowContext, authority: Authority, account: AccountInfo) =>
  ctx.persistence.cache.findRefreshToken(account.homeAccountId, account.environment, ctx.clientId, { realm: refreshTokenRealm(authority), keyId: ctx.dpop?.keyId });

/** The shared refresh of silentWithReadyCache: under the refresh lock when the store has one. */
function refreshShared(ctx: FlowContext, authority: Authority, options: SilentOptions & { scopes: string[] }): Promise<AuthenticationResult> {
  const { account, signal } = options;
  const redeem = (refreshToken: string, grantedScopes?: string) => refreshAccessToken(ctx, authority, refreshToken, { ...options, grantedScopes });
  const refreshOwn = async () => {
    const rt = ownRefreshToken(ctx, authority, account);
    if (!rt) throw new InteractionRequiredError({ error: 'no_tokens_found', errorDescription: `No refresh token is cached: sign in interactively, or ${OFFLINE_ACCESS_HINT}` });
    return redeem(rt.secret, rt.target);
  };
  const custom = ctx.silentRefresh;
  const refresh = custom ? () => custom(ctx, authority, options, refreshOwn, redeem) : refreshOwn;
  const lock = ctx.refreshLock;
  return lock
    ? lock(
        account,
        async () => {
          // Another tab or process may have refreshed while we waited: re-read, re-check, then refresh.
          await silentCacheReady(ctx, options);
          const hit = silentHit(ctx, options);
          return hit && !refreshDue(ctx, hit) ? hit : refresh();
        },
        signal,
      )
    : refresh();
}
