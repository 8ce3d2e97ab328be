import type { Authority } from '../authority/authority.js';
import { assertionHash, partitionKeys } from '../cache/cache-store.js';
import { refreshTokenRealm } from '../cache/token-cache.js';
import { InteractionRequiredError } from '../errors.js';
import type { AuthenticationResult } from '../results.js';
import { normalizeScopes, resourceScopes, withOidcScopes } from '../scopes.js';
import type { FlowContext, RequestOptions } from './context.js';
import { refreshAccessToken } from './refresh-token.js';
import { type CacheQuery, cachedResult, dpopKeyLoading } from './silent.js';
import { checkOptions, nonEmpty } from '../http/schemas.js';
import { optionalBoolean, requestOptions, requiredScopesOption } from './options.js';
import { requestToken, singleFlightAcrossInstances, throwNotInteractive } from './token-request.js';

/** Options of acquireTokenOnBehalfOf. */
export interface OnBehalfOfOptions extends RequestOptions {
  /** The downstream API's scopes. */
  scopes: string | string[];
  /** The access token the middle-tier API received from its caller. */
  userAssertion: string;
  /** Skip the cache and get a new token. */
  forceRefresh?: boolean;
}

const onBehalfOfOptionsSchema = requestOptions({
  scopes: requiredScopesOption,
  userAssertion: nonEmpty('expected the access token your API received (a non-empty string)'),
  forceRefresh: optionalBoolean,
});

/**
 * A middle-tier API exchanges its caller's token for one to a downstream API (OAuth 2.0
 * on-behalf-of). Tokens are cached under a hash of the incoming assertion.
 */
export async function acquireTokenOnBehalfOf(ctx: FlowContext, authority: Authority, options: OnBehalfOfOptions): Promise<AuthenticationResult> {
  checkOptions(onBehalfOfOptionsSchema, options, 'acquireTokenOnBehalfOf');
  const scopes = normalizeScopes(options.scopes);
  const hash = await assertionHash(options.userAssertion);
  const partition = partitionKeys.onBehalfOf(ctx.partitioning, hash);
  const query = { homeAccountId: '', userAssertionHash: hash, environment: authority.environment, realm: authority.tenant, scopes: resourceScopes(scopes) };
  const reuse = !options.forceRefresh && !options.claims;
  if (reuse) {
    const loading = dpopKeyLoading(ctx);
    if (loading) await loading;
    await ctx.persistence.sync(partition, options.signal);
    const hit = cachedResult(ctx, query);
    if (hit) return hit;
  }
  const key = ['obo', authority.url, ctx.clientId, hash, resourceScopes(scopes).sort().join(' '), options.claims ?? ''].join('\n');
  // Identical calls share one exchange, run with the flight's signal: it stops only when every caller has aborted.
  return ctx.singleFlight.run(key, options.signal, (signal) => exchangeShared(ctx, authority, { ...options, signal }, { scopes, hash, partition, query, reuse }), ctx.correlationId);
}

/** The shared exchange (or refresh) of acquireTokenOnBehalfOf, after the cache missed. */
function exchangeShared(
  ctx: FlowContext,
  authority: Authority,
  options: OnBehalfOfOptions,
  { scopes, hash, partition, query, reuse }: { scopes: string[]; hash: string; partition: string; query: CacheQuery; reuse: boolean },
): Promise<AuthenticationResult> {
  const exchange = () =>
    requestToken(ctx, {
      authority,
      params: {
        grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
        requested_token_use: 'on_behalf_of',
        assertion: options.userAssertion,
        scope: withOidcScopes(scopes, ctx.excludeScopes).join(' '),
      },
      scopes,
      claims: options.claims,
      userAssertionHash: hash,
      partition: () => partition,
      signal: options.signal,
      correlationId: options.correlationId,
    }).catch(throwNotInteractive);
  if (!reuse) return exchange();
  // Refresh and exchange under one lock per assertion: instances sharing a store redeem a (rotating)
  // refresh token once and make one exchange per token; the others read the answer from the store.
  const refreshOrExchange = async () => {
    const rt = ctx.persistence.cache.findRefreshToken('', authority.environment, ctx.clientId, { userAssertionHash: hash, realm: refreshTokenRealm(authority), keyId: ctx.dpop?.keyId });
    if (rt) {
      try {
        // No account: the user is the assertion's, whose refresh token this is (see checkIdentity).
        return await refreshAccessToken(ctx, authority, rt.secret, { ...options, account: undefined, userAssertionHash: hash, partition, expectedHomeAccountId: rt.home_account_id });
      } catch (error) {
        if (!(error instanceof InteractionRequiredError)) throw error;
        // The refresh token is spent; a new exchange of the assertion may still work.
      }
    }
    return exchange();
  };
  return singleFlightAcrossInstances(ctx, { name: ['obo', authority.url, ctx.clientId, hash].join('\n'), partition, signal: options.signal }, () => cachedResult(ctx, query), refreshOrExchange);
}
