import type { Authority } from '../authority/authority.js';
import { partitionKeys } from '../cache/cache-store.js';
import type { AuthenticationResult } from '../results.js';
import { normalizeScopes, withOidcScopes } from '../scopes.js';
import type { FlowContext, RequestOptions } from './context.js';
import { checkOptions, nonEmpty } from '../http/schemas.js';
import { requestOptions, requiredScopesOption } from './options.js';
import { requestToken } from './token-request.js';

const usernamePasswordOptionsSchema = requestOptions({ scopes: requiredScopesOption, username: nonEmpty(), password: nonEmpty() });

/**
 * Resource owner password credentials (RFC 6749 4.3).
 * @deprecated The password grant cannot do MFA and is being retired by providers; kept for parity with MSAL.
 */
export function acquireTokenByUsernamePassword(
  ctx: FlowContext,
  authority: Authority,
  options: RequestOptions & { scopes: string | string[]; username: string; password: string },
): Promise<AuthenticationResult> {
  checkOptions(usernamePasswordOptionsSchema, options, 'acquireTokenByUsernamePassword');
  const scopes = normalizeScopes(options.scopes);
  return requestToken(ctx, {
    authority,
    params: { grant_type: 'password', username: options.username, password: options.password, scope: withOidcScopes(scopes, ctx.excludeScopes).join(' ') },
    scopes,
    claims: options.claims,
    partition: (home) => partitionKeys.account(ctx.partitioning, home),
    signal: options.signal,
    correlationId: options.correlationId,
  });
}
