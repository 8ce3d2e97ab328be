import type { Authority } from '../authority/authority.js';
import { partitionKeys } from '../cache/cache-store.js';
import { InteractionRequiredError } from '../errors.js';
import { type AccountInfo, type AuthenticationResult, tokenResult } from '../results.js';
import { normalizeScopes, resourceScopes } from '../scopes.js';
import type { FlowContext, RequestOptions } from './context.js';
import { refreshAccessToken } from './refresh-token.js';

export interface SilentOptions extends RequestOptions {
  scopes: string | string[];
  account: AccountInfo;
  /** Ignore a cached access token and use the refresh token. */
  forceRefresh?: boolean;
}

/** A cached token within this many seconds of expiry is not handed out. */
export const EXPIRY_MARGIN_SECONDS = 300;

interface CacheQuery {
  homeAccountId: string;
  environment: string;
  realm: string;
  scopes: string[];
  userAssertionHash?: string;
  account?: AccountInfo;
}

/** A usable cached access token as a result, or undefined. Kept free of awaits: it is the hot path. */
export function cachedResult(ctx: FlowContext, q: CacheQuery): AuthenticationResult | undefined {
  const at = ctx.persistence.cache.findAccessToken({ ...q, clientId: ctx.clientId });
  if (!at) return undefined;
  const expiresOn = Number(at.expires_on);
  // An expiry that cannot be read (a damaged cache) means expired, never "valid forever" (NaN compares false).
  if (!Number.isFinite(expiresOn) || expiresOn - ctx.now() <= EXPIRY_MARGIN_SECONDS) return undefined;
  return tokenResult(at, q.account, true, ctx.correlationId);
}

/**
 * Cache, then refresh token. A token past its `refresh_on` is still returned, and refreshed in
 * the background. Only when nothing silent can work: InteractionRequiredError.
 * Like every flow it uses the authority it is given: for `tenant`, pass that tenant's authority
 * (ClientApplication does); `tenant` itself selects the cached tokens' realm.
 */
export async function acquireTokenSilent(ctx: FlowContext, authority: Authority, options: SilentOptions): Promise<AuthenticationResult> {
  const { account } = options;
  const scopes = normalizeScopes(options.scopes);
  const resource = resourceScopes(scopes);
  const realm = options.tenant ?? account.tenantId;
  if (ctx.persistence.persistent) {
    await ctx.persistence.sync(partitionKeys.account(ctx.partitioning, account.homeAccountId), options.signal);
  }
  const query = { homeAccountId: account.homeAccountId, environment: account.environment, realm, scopes: resource, account };

  if (!options.forceRefresh && !options.claims) {
    const hit = cachedResult(ctx, query);
    if (hit) {
      if (hit.refreshOn && hit.refreshOn.getTime() <= ctx.now() * 1000) {
        refreshWithCachedToken(ctx, authority, { ...options, scopes }).catch((error: unknown) =>
          ctx.log.log('warning', () => `Background refresh failed: ${ctx.log.describeError(error)}`),
        );
      }
      return hit;
    }
  }
  return refreshWithCachedToken(ctx, authority, { ...options, scopes });
}

function refreshWithCachedToken(ctx: FlowContext, authority: Authority, options: SilentOptions & { scopes: string[] }): Promise<AuthenticationResult> {
  const { account } = options;
  // Concurrent silent calls for the same account and scopes share one refresh (and one rotation).
  const key = ['rt', account.homeAccountId, account.environment, authority.url, ctx.clientId, resourceScopes(options.scopes).sort().join(' '), options.claims ?? ''].join('\n');
  const refresh = async () => {
    const rt = ctx.persistence.cache.findRefreshToken(account.homeAccountId, account.environment, ctx.clientId);
    if (!rt) {
      throw new InteractionRequiredError({ error: 'no_tokens_found', errorDescription: 'No refresh token is cached for this account; sign in interactively' });
    }
    return refreshAccessToken(ctx, authority, rt.secret, { ...options, account });
  };
  const lock = ctx.refreshLock;
  if (!lock) return ctx.singleFlight.run(key, refresh);
  return ctx.singleFlight.run(key, () =>
    lock(account, async () => {
      // Another tab or process may have refreshed while we waited: re-read, re-check, then refresh.
      await ctx.persistence.sync(partitionKeys.account(ctx.partitioning, account.homeAccountId), options.signal);
      if (!options.forceRefresh && !options.claims) {
        const hit = cachedResult(ctx, { homeAccountId: account.homeAccountId, environment: account.environment, realm: options.tenant ?? account.tenantId, scopes: resourceScopes(options.scopes), account });
        if (hit && !(hit.refreshOn && hit.refreshOn.getTime() <= ctx.now() * 1000)) return hit;
      }
      return refresh();
    }),
  );
}
