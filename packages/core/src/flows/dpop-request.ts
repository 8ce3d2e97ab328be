// Token requests with DPoP proofs (RFC 9449 5). Reached only through what enables DPoP
// (ClientApplication's `dpop` option, the browser's browserDpop), so apps without it bundle none of it.
import { DPOP_ALG, type DpopSession, dpopHtu, retryingForDpopNonce } from '../crypto/dpop.js';
import { ConfigurationError, ServerError } from '../errors.js';
import type { AuthorityMetadata } from '../authority/discovery.js';
import type { TokenResponse } from '../http/schemas.js';
import type { FlowContext, TokenSend } from './context.js';
import { checkTokenType } from './token-request.js';

/** The FlowContext fields of a client whose tokens are bound to `session`'s key: the session, and token requests that carry its proofs. */
export function dpopContext(session: DpopSession): Pick<FlowContext, 'dpop' | 'sendWithDpop'> {
  return { dpop: session, sendWithDpop: (ctx, metadata, url, send) => sendWithDpop(ctx, session, metadata, url, send) };
}

/**
 * A token request with a DPoP proof. A server that wants a nonce answers `use_dpop_nonce` with a
 * `DPoP-Nonce` header: the request is sent once more with a new proof carrying it; the nonce is
 * remembered for the server, so the next request needs no retry. The answer must be a DPoP token.
 */
async function sendWithDpop(ctx: FlowContext, dpop: DpopSession, metadata: AuthorityMetadata, url: string, send: TokenSend): Promise<TokenResponse> {
  const algs = metadata.dpop_signing_alg_values_supported;
  if (algs && !algs.includes(DPOP_ALG)) {
    throw new ConfigurationError(`dpop: the provider takes no ${DPOP_ALG} proofs (dpop_signing_alg_values_supported: ${algs}); turn off \`dpop\``);
  }
  // This authorization server's nonces, apart from those of other issuers or an API on its origin.
  const response = await retryingForDpopNonce(
    dpop,
    dpopHtu(url),
    (nonce, heard) =>
      send({ send: (request) => ctx.http.send(request).then((response) => (heard(response.headers['dpop-nonce']), response)) }, async () => ({
        DPoP: await dpop.proof({ method: 'POST', url, nonce }, ctx.now()),
      })),
    (answer) => answer.error instanceof ServerError && answer.error.error === 'use_dpop_nonce',
  );
  return checkTokenType(response, 'dpop', 'DPoP (the token is not bound to the key): turn off `dpop` or enable DPoP at the provider');
}
