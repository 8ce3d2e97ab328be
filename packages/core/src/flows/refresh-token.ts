import type { Authority } from '../authority/authority.js';
import { partitionKeys } from '../cache/cache-store.js';
import type { AuthenticationResult, AccountInfo } from '../results.js';
import { normalizeScopes, withOidcScopes } from '../scopes.js';
import type { FlowContext, RequestOptions } from './context.js';
import { requestToken } from './token-request.js';

/**
 * Redeems a refresh token. A rotated refresh token in the answer replaces the old one in the
 * cache (same key), so the spent token is never used again.
 */
export function refreshAccessToken(
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
  },
): Promise<AuthenticationResult> {
  const scopes = normalizeScopes(options.scopes);
  return requestToken(ctx, {
    authority,
    params: { grant_type: 'refresh_token', refresh_token: refreshToken, scope: withOidcScopes(scopes, ctx.excludeScopes).join(' ') },
    scopes,
    claims: options.claims,
    account: options.account,
    userAssertionHash: options.userAssertionHash,
    partition: (home) => options.partition ?? partitionKeys.account(ctx.partitioning, options.account?.homeAccountId ?? home),
    signal: options.signal,
    correlationId: options.correlationId,
  });
}
