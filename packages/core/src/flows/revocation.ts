// Token revocation (RFC 7009). Reached only through ClientApplication (Node and core clients), not
// through the browser's sign-in code, so browser bundles carry none of it.
import type { Authority } from '../authority/authority.js';
import { discoveredEndpoint } from '../authority/discovery.js';
import { ConfigurationError } from '../errors.js';
import type { HttpClient } from '../http/http-client.js';
import { custom } from '../http/schemas.js';
import type { AccountInfo } from '../results.js';
import { postAsClient } from './client-post.js';
import type { FlowContext } from './context.js';
import { ownRefreshToken } from './silent.js';

/** The kind of token revokeToken is given, sent as `token_type_hint` (RFC 7009 2.1). */
export type RevocableTokenType = 'refresh_token' | 'access_token';

// RFC 7009 2.2: success is HTTP 200 and its body, if any, carries nothing (oidc-provider's is empty).
const anyBody = /* @__PURE__ */ custom<unknown>(() => true);

/**
 * Revokes `token` at the provider's discovered `revocation_endpoint` (RFC 7009 2.1) as this
 * client: a public client sends its client_id, a confidential one authenticates as it does at the
 * token endpoint. Revoking a refresh token also ends its grant's access tokens at providers that
 * support it (RFC 7009 2.1). Resolves when the provider answered HTTP 200; a ServerError carries its
 * OAuth error, a ConfigurationError (code `revocation_unsupported`) says that it publishes no endpoint.
 */
export async function revokeToken(ctx: FlowContext, authority: Authority, token: string, tokenType: RevocableTokenType, signal?: AbortSignal): Promise<void> {
  const metadata = await ctx.metadata(authority, signal);
  const url = discoveredEndpoint(authority, metadata, 'revocation_endpoint');
  if (!url) throw new ConfigurationError(`The provider publishes no revocation_endpoint (RFC 7009): its tokens cannot be revoked from the app`, 'revocation_unsupported');
  // The body of a 200 is not JSON (RFC 7009 2.2): read as an empty object. Errors are OAuth error bodies.
  const http: HttpClient = { send: async (request) => ((response) => (response.status === 200 ? { ...response, body: '{}' } : response))(await ctx.http.send(request)) };
  await postAsClient(ctx, http, metadata, { url, params: { token, token_type_hint: tokenType }, signal }, anyBody, 'Revocation endpoint');
}

/**
 * Revokes this client's cached refresh token for the account (see revokeToken); false when none is
 * cached (nothing to revoke). Call it under the refresh lock: a refresh under way would otherwise
 * rotate the token after it was read.
 */
export async function revokeRefreshTokenOf(ctx: FlowContext, authority: Authority, account: AccountInfo, signal?: AbortSignal): Promise<boolean> {
  const refreshToken = ownRefreshToken(ctx, authority, account)?.secret;
  if (refreshToken) await revokeToken(ctx, authority, refreshToken, 'refresh_token', signal);
  return !!refreshToken;
}
