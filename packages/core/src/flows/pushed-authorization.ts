// Pushed Authorization Requests (RFC 9126): the authorization parameters go to the provider over
// the back channel (authenticated like a token request); the browser gets only client_id and the
// short-lived request_uri the provider answered with.
import type { AuthorityMetadata } from '../authority/discovery.js';
import { ConfigurationError, InvalidResponseError } from '../errors.js';
import { nonEmpty, seconds, withQuery } from '../http/schemas.js';
import * as z from 'zod/mini';
import { postAsClient } from './client-post.js';
import type { FlowContext } from './context.js';

/**
 * When the authorization request is pushed (RFC 9126). `'auto'` (default): when the provider's
 * discovery document says `require_pushed_authorization_requests: true`. `'always'`: every time
 * (for a client whose registration requires it, or to keep the parameters out of the browser); a
 * provider without `pushed_authorization_request_endpoint` is a ConfigurationError. `'never'`:
 * never; a provider that requires it is a ConfigurationError before any browser opens.
 */
export type PushedAuthorizationRequests = 'auto' | 'always' | 'never';

/** The PAR endpoint's answer (RFC 9126 section 2.2); one expiring too soon is refused after parsing. */
const parResponseSchema = z.looseObject({ request_uri: nonEmpty(), expires_in: seconds });

/** An authorization URL to open, and until when (epoch seconds) its pushed request_uri is valid. */
export interface AuthorizationRequest {
  url: string;
  expiresAt?: number;
}

/**
 * The authorization URL for these parameters: pushed to the PAR endpoint when the client's mode
 * and the provider say so (then the URL carries only client_id and request_uri), else all of
 * them in the query. Errors of the PAR endpoint are ServerErrors (redacted).
 */
export async function authorizationRequest(
  ctx: FlowContext,
  metadata: AuthorityMetadata,
  params: Record<string, string | undefined>,
  signal?: AbortSignal,
): Promise<AuthorizationRequest> {
  const { authorization_endpoint, pushed_authorization_request_endpoint: endpoint, require_pushed_authorization_requests: required } = metadata;
  const mode = ctx.pushedAuthorizationRequests;
  if (!authorization_endpoint) throw new ConfigurationError(`${metadata.issuer} publishes no authorization_endpoint`);
  // 'never' against a provider requiring PAR would only show the user its error page.
  if (mode === 'never' && required) throw new ConfigurationError("The provider requires PAR; pushedAuthorizationRequests is 'never'", 'par_required');
  let expiresAt: number | undefined;
  // (With 'never', required was refused above.)
  if (mode === 'always' || required) {
    if (!endpoint) throw new ConfigurationError('PAR is required, but the provider has no PAR endpoint', 'par_unsupported');
    // Confidential clients authenticate as at the token endpoint, whose URL RFC 9126 (section 2)
    // makes a valid assertion audience here too.
    const pushed = await postAsClient(ctx, ctx.http, metadata, { url: endpoint, params, signal }, parResponseSchema, 'Pushed authorization response');
    expiresAt = ctx.now() + pushed.expires_in;
    // A browser sent there would only see the provider's error page.
    if (!requestUriFresh(ctx, expiresAt)) throw new InvalidResponseError('Pushed request_uri expires too soon', undefined, 'request_uri_expired');
    params = { client_id: params.client_id, request_uri: pushed.request_uri };
  }
  return { url: withQuery(authorization_endpoint, params), expiresAt };
}

/** Seconds a browser may take to reach the provider: a request_uri expiring sooner is pushed again. */
const EXPIRY_MARGIN = 5;

/** Whether a pushed request_uri expiring at `expiresAt` can still be opened. */
export function requestUriFresh(ctx: FlowContext, expiresAt: number | undefined): boolean {
  return expiresAt === undefined || ctx.now() + EXPIRY_MARGIN < expiresAt;
}
