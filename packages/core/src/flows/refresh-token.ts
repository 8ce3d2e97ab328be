import type { Authority } from '../authority/authority.js';
import { partitionKeys } from '../cache/cache-store.js';
import type { AuthenticationResult, AccountInfo } from '../results.js';
import { OIDC_SCOPES, normalizeScopes, withOidcScopes } from '../scopes.js';
import type { FlowContext, RequestOptions } from './context.js';
import { requestToken } from './token-request.js';
import { throwIfAborted } from '../errors.js';
import { abortable } from '../http/retry.js';

/**
 * Redeems a refresh token. A rotated refresh token in the answer replaces the old one in the
 * cache (same key), so the spent token is never used again. Once started, the redemption is not
 * called off by `signal` (checked before it starts): the provider may already have rotated the
 * token, and then the answer holds the only valid one (the spent one redeemed again gets the grant
 * revoked). So the returned promise settles when the answer is cached or refused, and a lock held
 * around it is held until then; callers end their own waits (see SingleFlight, refreshByToken).
 */
export async function refreshAccessToken(
  ctx: FlowContext,
  authority: Authority,
  refreshToken: string,
  options: RequestOptions & {
    scopes: string | string[];
    account?: AccountInfo;
    /** On-behalf-of tokens: the hash of the incoming assertion, and their `partition`. */
    userAssertionHash?: string;
    /** Cache partition to write to; default: the account's. */
    partition?: string;
    /** The scopes the refresh token was granted with (the cached refresh token's `target`), when known. */
    grantedScopes?: string;
    /** Whose refresh token this is (its cached home account id), when there is no `account`. */
    expectedHomeAccountId?: string;
  },
): Promise<AuthenticationResult> {
  throwIfAborted(options.signal);
  const scopes = normalizeScopes(options.scopes);
  return requestToken(ctx, {
    authority,
    params: { grant_type: 'refresh_token', refresh_token: refreshToken, scope: refreshScopes(ctx, authority, scopes, options.grantedScopes).join(' ') },
    grantedScopes: options.grantedScopes,
    scopes,
    claims: options.claims,
    account: options.account,
    expectedHomeAccountId: options.expectedHomeAccountId,
    userAssertionHash: options.userAssertionHash,
    partition: (home) => options.partition ?? partitionKeys.account(ctx.partitioning, options.account?.homeAccountId ?? home),
    correlationId: options.correlationId,
  });
}

/**
 * The scopes a refresh asks for: the caller's, plus the OIDC scopes the refresh token was granted.
 * A provider that did not grant `offline_access` (OpenID Connect Core 11) refuses a refresh asking
 * for it with invalid_scope (RFC 6749 6: no scope beyond the original grant). Entra, and refresh
 * tokens whose grant is unknown (written by other tools), get every OIDC scope, as MSAL sends.
 */
function refreshScopes(ctx: FlowContext, authority: Authority, scopes: string[], grantedScopes: string | undefined): string[] {
  const all = withOidcScopes(scopes, ctx.excludeScopes);
  if (grantedScopes === undefined || authority.kind === 'entra') return all;
  const granted = new Set(normalizeScopes(grantedScopes).map((s) => s.toLowerCase()));
  return all.filter((s) => !OIDC_SCOPES.has(s.toLowerCase()) || granted.has(s.toLowerCase()));
}

/**
 * Redeems a refresh token obtained elsewhere (acquireTokenByRefreshToken). One we have cached belongs
 * to someone: the answer must be for them (see checkIdentity), found by a scan of the cache.
 */
export function refreshByToken(ctx: FlowContext, authority: Authority, refreshToken: string, options: RequestOptions & { scopes: string | string[] }): Promise<AuthenticationResult> {
  let owner: string | undefined;
  for (const [, rt] of ctx.persistence.cache.entries('RefreshToken')) {
    if (rt.secret === refreshToken && rt.client_id === ctx.clientId && (owner = rt.home_account_id)) break;
  }
  // The caller's signal ends its wait; the redemption goes on and is cached (see refreshAccessToken).
  return abortable(refreshAccessToken(ctx, authority, refreshToken, { ...options, expectedHomeAccountId: owner }), options.signal);
}
