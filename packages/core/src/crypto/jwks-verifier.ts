import type { JSONWebKeySet, createLocalJWKSet } from 'jose';
import { loadJose } from './jose.js';
import { ValidationError } from '../errors.js';
import type { HttpClient } from '../http/http-client.js';
import { checkShape, parseJsonBody } from '../http/oauth-response.js';
import { jwksSchema } from '../http/schemas.js';
import type { IdTokenSignatureVerifier } from './id-token.js';

const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];

/**
 * ID-token signature checks against the issuer's JWKS, fetched through the HttpClient, cached per
 * URI, and refetched at most once when a token names an unknown key (key rotation).
 * Import it only where signatures are checked: browser bundles that do not, never carry it.
 */
export function jwksSignatureVerifier(http: HttpClient): IdTokenSignatureVerifier {
  const sets = new Map<string, Promise<ReturnType<typeof createLocalJWKSet>>>();
  const load = (uri: string) => {
    const p = http.send({ method: 'GET', url: uri, headers: { accept: 'application/json' } }).then(async (r) => {
      const { createLocalJWKSet } = await loadJose();
      if (r.status !== 200) throw new ValidationError('signature', `The JWKS could not be fetched (HTTP ${r.status})`);
      return createLocalJWKSet(checkShape(jwksSchema, parseJsonBody(r, 'JWKS'), 'JWKS') as JSONWebKeySet);
    });
    sets.set(uri, p);
    p.catch(() => sets.delete(uri));
    return p;
  };
  return async (idToken, { jwksUri }) => {
    if (!jwksUri) throw new ValidationError('signature', 'The authority publishes no jwks_uri, so the signature cannot be checked');
    const verify = async (refreshed: boolean): Promise<void> => {
      const keySet = await (refreshed ? load(jwksUri) : (sets.get(jwksUri) ?? load(jwksUri)));
      const { jwtVerify, errors: joseErrors } = await loadJose();
      // Claims are checked by validateIdTokenClaims; here only the signature and algorithm.
      const options = { algorithms: ASYMMETRIC, clockTolerance: Number.MAX_SAFE_INTEGER };
      try {
        try {
          await jwtVerify(idToken, keySet, options);
        } catch (error) {
          if (!(error instanceof joseErrors.JWKSMultipleMatchingKeys)) throw error;
          // Several keys match the token's kid (and kty/alg), e.g. during a rotation that reused a
          // kid: the token is valid when one of them verifies it; otherwise the signature is invalid.
          for await (const key of error) {
            try {
              await jwtVerify(idToken, key, options);
              return;
            } catch (inner) {
              if (!(inner instanceof joseErrors.JWSSignatureVerificationFailed)) throw inner;
            }
          }
          throw new joseErrors.JWSSignatureVerificationFailed();
        }
      } catch (error) {
        if (error instanceof joseErrors.JWKSNoMatchingKey && !refreshed) return verify(true);
        if (error instanceof joseErrors.JOSEAlgNotAllowed) {
          throw new ValidationError('alg', 'The ID token is signed with an algorithm that is not allowed');
        }
        if (error instanceof joseErrors.JWKSNoMatchingKey) {
          throw new ValidationError('signature', 'The ID token is signed with a key the issuer does not publish');
        }
        throw new ValidationError('signature', 'The ID token signature is invalid');
      }
    };
    await verify(false);
  };
}
