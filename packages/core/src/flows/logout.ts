import type { AuthorityMetadata } from '../authority/discovery.js';
import { withQuery } from '../http/schemas.js';
import type { AccountInfo } from '../results.js';
import type { RequestOptions } from './context.js';

/**
 * The parameters of an RP-initiated logout request (OpenID Connect RP-Initiated Logout 1.0,
 * section 2). A type, not an interface: it is then a record of strings to withQuery.
 */
export type EndSessionParameters = {
  /** The client id: lets the provider check `post_logout_redirect_uri` without an ID token. */
  client_id: string;
  /** An ID token of the user's sign-in: tells the provider whose session to end (it may then not ask). */
  id_token_hint?: string;
  /** Where the provider sends the browser afterwards; must be registered for the client. */
  post_logout_redirect_uri?: string;
  /** Returned to `post_logout_redirect_uri`. */
  state?: string;
  /** Which account signs out, so the provider need not ask (Entra: the ID token's `login_hint` claim). */
  logout_hint?: string;
};

/**
 * The provider's end_session_endpoint with the logout parameters (its own query, e.g. B2C's
 * policy `p`, kept), or undefined when the provider publishes none (Google, for one): then the
 * provider's session cannot be ended from the app.
 */
export function endSessionUrl({ end_session_endpoint: endpoint }: AuthorityMetadata, parameters: EndSessionParameters): string | undefined {
  return endpoint && withQuery(endpoint, parameters);
}

/** Options of getLogoutUrl. */
export interface LogoutUrlOptions extends Pick<RequestOptions, 'signal' | 'tenant' | 'correlationId'> {
  /** The account signing out: its cached ID token is sent as `id_token_hint` (read it before removeAccount). */
  account?: AccountInfo;
  /** The ID token to send as `id_token_hint` instead of the account's cached one (e.g. kept in the web session). */
  idTokenHint?: string;
  /** Where the provider sends the browser after signing out; must be registered for the app. */
  postLogoutRedirectUri?: string;
  /** Sent as `state`; the provider returns it to `postLogoutRedirectUri`. */
  state?: string;
  /** Sent as `logout_hint` (Entra: the `login_hint` claim of the user's ID token), so the provider need not ask which account signs out. */
  logoutHint?: string;
}
