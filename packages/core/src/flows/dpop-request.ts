// Token requests with DPoP proofs (RFC 9449 5). Reached only through what enables DPoP
// (ClientApplication's `dpop` option, the browser's browserDpop), so apps without it bundle none of it.
import { DPOP_ALG, type DpopSession, dpopHtu, retryingForDpopNonce } from '../crypto/dpop.js';
import { ConfigurationError, ServerError } from '../errors.js';
import type { FlowContext } from './context.js';
import { checkTokenType } from './token-request.js';

/**
 * The FlowContext fields of a client whose tokens are bound to `dpop`'s key: the session, and its
 * token requests. Each carries a proof; a server that wants a nonce answers `use_dpop_nonce` with a
 * `DPoP-Nonce` header, and the request is sent once more with a new proof carrying it; the nonce is
 * remembered for the server, so the next request needs no retry. The answer must be a DPoP token.
 */
export function dpopContext(dpop: DpopSession): Pick<FlowContext, 'dpop' | 'sendWithDpop'> {
  return {
    dpop,
    async sendWithDpop(ctx, metadata, url, send) {
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
    },
  };
}
