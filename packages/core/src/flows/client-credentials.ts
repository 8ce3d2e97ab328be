import type { Authority } from '../authority/authority.js';
import { partitionKeys } from '../cache/cache-store.js';
import { type CacheQuery, cachedResult, dpopKeyLoading } from './silent.js';
import type { AuthenticationResult } from '../results.js';
import { normalizeScopes, resourceScopes } from '../scopes.js';
import type { FlowContext, RequestOptions } from './context.js';
import { checkOptions } from '../http/schemas.js';
import { optionalBoolean, requestOptions, requiredScopesOption } from './options.js';
import { requestToken, singleFlightAcrossInstances, throwNotInteractive } from './token-request.js';
import { regionalEndpoint } from '../authority/region.js';
import { InvalidResponseError, NetworkError } from '../errors.js';
import { abortable } from '../http/retry.js';

/** Options of acquireTokenForClient. */
export interface ClientCredentialsOptions extends RequestOptions {
  /** The resource's scopes, usually `<resource>/.default`. */
  scopes: string | string[];
  /** Skip the cache and get a new token. */
  forceRefresh?: boolean;
}

const clientCredentialsOptionsSchema = requestOptions({ scopes: requiredScopesOption, forceRefresh: optionalBoolean });

/** App-only token (client credentials grant): cache first, then one shared request per identical ask. */
export async function acquireTokenForClient(ctx: FlowContext, authority: Authority, options: ClientCredentialsOptions): Promise<AuthenticationResult> {
  checkOptions(clientCredentialsOptionsSchema, options, 'acquireTokenForClient');
  const scopes = normalizeScopes(options.scopes);
  const realm = authority.tenant;
  const partition = partitionKeys.app(ctx.partitioning, ctx.clientId, realm);
  const query = { homeAccountId: '', environment: authority.environment, realm, scopes: resourceScopes(scopes) };
  const reuse = !options.forceRefresh && !options.claims;
  if (reuse) {
    const loading = dpopKeyLoading(ctx);
    if (loading) await loading;
    await ctx.persistence.sync(partition, options.signal);
    const hit = cachedResult(ctx, query);
    if (hit) return hit;
  }
  const key = ['cc', authority.url, ctx.clientId, resourceScopes(scopes).sort().join(' '), options.claims ?? ''].join('\n');
  // Identical calls share one request, run with the flight's signal: it stops only when every caller has aborted.
  return ctx.singleFlight.run(key, options.signal, (signal) => requestAppToken(ctx, authority, { ...options, signal }, { key, scopes, partition, query, reuse }), ctx.correlationId);
}

/** The shared request of acquireTokenForClient (after the cache missed). */
function requestAppToken(
  ctx: FlowContext,
  authority: Authority,
  options: ClientCredentialsOptions,
  { key, scopes, partition, query, reuse }: { key: string; scopes: string[]; partition: string; query: CacheQuery; reuse: boolean },
): Promise<AuthenticationResult> {
  const request = (tokenEndpoint?: string) =>
    requestToken(ctx, {
      authority,
      params: { grant_type: 'client_credentials', scope: scopes.join(' ') },
      scopes,
      claims: options.claims,
      identity: { homeAccountId: '', realm: authority.tenant },
      partition: () => partition,
      signal: options.signal,
      correlationId: options.correlationId,
      tokenEndpoint,
    }).catch(throwNotInteractive);
  const regionOf = authority.kind === 'entra' ? ctx.azureRegion : undefined;
  const ask = !regionOf
    ? () => request()
    : async () => {
        // Detection is shared by the client's calls: this caller's signal ends only its own wait.
        const region = await abortable(regionOf(), options.signal);
        if (!region) return request();
        const regional = regionalEndpoint((await ctx.metadata(authority, options.signal)).token_endpoint, region);
        try {
          return await request(regional);
        } catch (error) {
          // No usable answer from the region (unreachable, not an OAuth reply): the global endpoint serves
          // the same tokens. An OAuth error is the service's answer and stands.
          if (!(error instanceof NetworkError || error instanceof InvalidResponseError) || options.signal?.aborted) throw error;
          ctx.log.log('warning', `The regional token endpoint ${regional} failed (${error.message}); using the global endpoint`);
          return request();
        }
      };
  // Instances sharing a store make one request per token: the others read its answer from the store.
  return reuse ? singleFlightAcrossInstances(ctx, { name: key, partition, signal: options.signal }, () => cachedResult(ctx, query), ask) : ask();
}
