import type { IncomingMessage } from 'node:http';
import type { KoaContextWithOIDC } from 'oidc-provider';

/** A request whose body was read here: oidc-provider parses this text instead of the spent stream. */
type ReadRequest = IncomingMessage & { body?: string };

/**
 * The parameters of a pushed authorization request (RFC 9126, `POST /request`), or undefined for
 * any other request. Checks of the authorization request's parameters (response mode, prompt) run
 * here too: under PAR the browser's `/auth` query holds only `client_id` and `request_uri`. The
 * form body is read once and left on the request as text, which oidc-provider then parses (it
 * prints one warning about an "already parsed request body" per process).
 */
export async function pushedParameters(ctx: KoaContextWithOIDC): Promise<URLSearchParams | undefined> {
  if (ctx.method !== 'POST' || ctx.path !== '/request' || !ctx.is('application/x-www-form-urlencoded')) return undefined;
  const req = ctx.req as ReadRequest;
  if (req.body === undefined) {
    const chunks: Buffer[] = [];
    for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
    req.body = Buffer.concat(chunks).toString('utf8');
  }
  return new URLSearchParams(req.body);
}

/** Replaces the parameters oidc-provider will read from a pushed authorization request. */
export function setPushedParameters(ctx: KoaContextWithOIDC, params: URLSearchParams): void {
  (ctx.req as ReadRequest).body = params.toString();
}
