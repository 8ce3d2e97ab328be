// The UserInfo endpoint (OpenID Connect Core 5.3). Reached only through ClientApplication (Node and
// core clients), not through the browser's sign-in code, so browser bundles carry none of it.
import * as z from 'zod/mini';
import type { Authority } from '../authority/authority.js';
import { discoveredEndpoint } from '../authority/discovery.js';
import { type DpopHeaders, dpopHeaders, retryingForDpopNonce } from '../crypto/dpop.js';
import { ConfigurationError, InvalidResponseError, ServerError, ValidationError } from '../errors.js';
import type { HttpClient } from '../http/http-client.js';
import { requestJson } from '../http/oauth-response.js';
import { nonEmpty } from '../http/schemas.js';
import type { AuthenticationResult } from '../results.js';
import type { FlowContext } from './context.js';

/** The claims of a UserInfo response: `sub` always (OpenID Connect Core 5.3.2), the others as the provider sends them. */
export const userInfoSchema = /* @__PURE__ */ z.looseObject({ sub: nonEmpty() });

/** A UserInfo response: the user's `sub` and the claims the provider released for the token's scopes (`name`, `email`, ...). */
export type UserInfo = z.infer<typeof userInfoSchema> & Record<string, unknown>;

const WHAT = 'UserInfo endpoint';

/**
 * The UserInfo claims for `token`'s user (OpenID Connect Core 5.3): a GET to the discovered
 * `userinfo_endpoint` with the access token, as `Authorization: Bearer`, or for a DPoP-bound token
 * (`tokenType` DPoP) as `Authorization: DPoP` with a proof of the client's key (RFC 9449 7),
 * retried once for the server's nonce. The response is checked (a JSON object with a string
 * `sub`), and its `sub` must be `sub`, the ID token's (5.3.4: a response about anyone else may be a
 * substitution): otherwise a ValidationError with check `userinfo_sub`. A signed or encrypted
 * response (`application/jwt`) is an InvalidResponseError `userinfo_jwt_unsupported`; the
 * provider's refusals are ServerErrors (the token redacted from their text).
 */
export async function fetchUserInfo(ctx: FlowContext, authority: Authority, token: AuthenticationResult, sub: string, signal?: AbortSignal): Promise<UserInfo> {
  const url = discoveredEndpoint(authority, await ctx.metadata(authority, signal), 'userinfo_endpoint');
  if (!url) throw new ConfigurationError('The provider publishes no userinfo_endpoint (OpenID Connect Discovery 3)', 'userinfo_unsupported');
  const get = (http: HttpClient, headers: DpopHeaders | { authorization: string }) =>
    requestJson(http, { method: 'GET', url, headers: { accept: 'application/json', ...headers }, signal }, userInfoSchema, WHAT, [token.accessToken]);
  const { dpop } = ctx;
  const claims: UserInfo =
    dpop && token.tokenType.toLowerCase() === 'dpop'
      ? // A resource server's nonces, kept per origin (as fetchWithDpop's).
        await retryingForDpopNonce(
          dpop,
          new URL(url).origin,
          async (nonce, heard) =>
            get({ send: (request) => jsonOnly(ctx.http).send(request).then((response) => (heard(response.headers['dpop-nonce']), response)) }, await dpopHeaders(dpop, token, { method: 'GET', url, nonce }, ctx.now())),
          (answer) => answer.error instanceof ServerError && answer.error.error === 'use_dpop_nonce',
        )
      : await get(jsonOnly(ctx.http), { authorization: `Bearer ${token.accessToken}` });
  if (claims.sub !== sub) {
    throw new ValidationError('userinfo_sub', `The ${WHAT} answered about another user than the ID token's (its sub differs; OpenID Connect Core 5.3.4): the response was refused`);
  }
  return claims;
}

/** `http`, refusing a successful answer that is a JWT (signed or encrypted UserInfo) before it is read as JSON. */
const jsonOnly = (http: HttpClient): HttpClient => ({
  async send(request) {
    const response = await http.send(request);
    if (response.status === 200 && /^application\/jwt\b/i.test(response.headers['content-type'] ?? '')) {
      throw new InvalidResponseError(`The ${WHAT} answered a signed or encrypted JWT (application/jwt), which this client does not read: register the client for plain JSON UserInfo responses`, 200, 'userinfo_jwt_unsupported');
    }
    return response;
  },
});
