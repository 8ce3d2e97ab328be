import type { AuthorityMetadata } from '../authority/discovery.js';
import type { HttpClient, HttpRequest } from '../http/http-client.js';
import { formPost, requestJson } from '../http/oauth-response.js';
import { requestSecrets } from '../http/redaction.js';
import type { Schema } from '../http/schemas.js';
import type { FlowContext } from './context.js';

/** A form POST made as the client (see postAsClient). */
export interface ClientPost {
  /** The endpoint. */
  url: string;
  /** The form's parameters; the client's authentication is added. */
  params: Record<string, string | undefined>;
  /** Further headers. */
  headers?: Record<string, string>;
  /** The audience of a client assertion: the token endpoint (RFC 7523 3; RFC 9126 2 for PAR), default the discovered one. */
  audience?: string;
  /** Headers made anew for every send, e.g. a DPoP proof. */
  fresh?: () => Promise<Record<string, string>>;
  signal?: AbortSignal;
}

/**
 * POSTs a form to the provider as this client (client_id, or its authentication) and parses the
 * answer with `schema`. The request is built anew for every send (HttpRequest.renew): a client
 * assertion (RFC 7523 3, jti) and a DPoP proof (RFC 9449 11.1) are single-use, and a resend after a
 * lost answer (the transport's retries, a DPoP nonce retry) would be refused as a replay.
 */
export async function postAsClient<T>(ctx: FlowContext, http: HttpClient, metadata: AuthorityMetadata, post: ClientPost, schema: Schema<T>, what: string): Promise<T> {
  // What any copy of the request carried is hidden from server text (requestJson reads it on error).
  const secrets: string[] = [];
  const build = async (): Promise<HttpRequest> => {
    const auth = ctx.authenticate ? await ctx.authenticate(post.audience ?? metadata.token_endpoint, metadata, post.signal) : { params: { client_id: ctx.clientId }, headers: {} };
    const request = formPost(post.url, { ...post.params, ...auth.params }, { ...post.headers, ...auth.headers, ...(await post.fresh?.()) }, post.signal);
    secrets.push(...(auth.secrets ?? []), ...requestSecrets(request));
    return { ...request, renew: build };
  };
  return requestJson(http, await build(), schema, what, secrets);
}
