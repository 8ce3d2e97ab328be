import type { JSONWebKeySet, createLocalJWKSet } from 'jose';
import { loadJose } from './jose.js';
import { InvalidResponseError, ValidationError } from '../errors.js';
import type { HttpClient } from '../http/http-client.js';
import { checkShape, parseJsonBody } from '../http/oauth-response.js';
import { jwksSchema } from '../http/schemas.js';
import type { IdTokenSignatureVerifier } from './id-token.js';

const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];

/**
 * A cached key set younger than this is not fetched again for a signature that fails with one of
 * its keys: a rotation under the same kid is seen within this long, and a flood of bad tokens
 * costs at most one JWKS request per this long.
 */
const FRESH_KEY_SET_MS = 60_000;

/**
 * ID-token signature checks against the issuer's JWKS, fetched through the HttpClient, cached per
 * URI, and refetched at most once per token when it names an unknown key (key rotation), or when
 * it fails with a cached key (a key rotated under the same kid, or a token without kid) and the set
 * is over a minute old.
 * Import it only where signatures are checked: browser bundles that do not, never carry it.
 */
export function jwksSignatureVerifier(http: HttpClient): IdTokenSignatureVerifier {
  const sets = new Map<string, { keys: Promise<ReturnType<typeof createLocalJWKSet>>; at: number }>();
  const load = (uri: string) => {
    const p = http.send({ method: 'GET', url: uri, headers: { accept: 'application/json' } }).then(async (r) => {
      const { createLocalJWKSet } = await loadJose();
      // An outage, not a bad signature: the code says which (as discovery_failed does for discovery).
      if (r.status !== 200) throw new InvalidResponseError(`The JWKS at ${uri} could not be fetched (HTTP ${r.status}); the ID token was not accepted`, r.status, 'jwks_unavailable');
      return createLocalJWKSet(checkShape(jwksSchema, parseJsonBody(r, 'JWKS'), 'JWKS') as JSONWebKeySet);
    });
    const entry = { keys: p, at: Date.now() };
    sets.set(uri, entry);
    p.catch(() => sets.get(uri) === entry && sets.delete(uri));
    return entry;
  };
  return async (idToken, { jwksUri }) => {
    if (!jwksUri) throw new ValidationError('signature', 'The authority publishes no jwks_uri, so the signature cannot be checked');
    const verify = async (refreshed: boolean): Promise<void> => {
      const entry = refreshed ? load(jwksUri) : (sets.get(jwksUri) ?? load(jwksUri));
      // A set fetched for this token, or within the last minute, is as new as it gets.
      const fresh = refreshed || Date.now() - entry.at < FRESH_KEY_SET_MS;
      const keySet = await entry.keys;
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
        if (!refreshed && (error instanceof joseErrors.JWKSNoMatchingKey || (error instanceof joseErrors.JWSSignatureVerificationFailed && !fresh))) return verify(true);
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
