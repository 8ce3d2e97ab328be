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
 * A cached key set older than this is fetched again before it verifies a token (jose's
 * createRemoteJWKSet default): a key the issuer withdrew (compromised) stops being trusted
 * within this long, even though tokens it signs still match it. While the JWKS cannot be
 * fetched, the old set still serves (an outage is not a withdrawal).
 */
const KEY_SET_MAX_AGE_MS = 600_000;

type KeySet = { keys: Promise<ReturnType<typeof createLocalJWKSet>>; at: number };

/**
 * ID-token signature checks against the issuer's JWKS, fetched through the HttpClient, cached per
 * URI for up to ten minutes (longer while the JWKS cannot be fetched), and refetched at most once
 * per token when it names an unknown key (key rotation; a kid a refetch lacked, at most once a
 * minute), or when it fails with a cached key (a key rotated under the same kid, or a token
 * without kid) and the set is over a minute old. Concurrent tokens that need a refetch share one.
 * Import it only where signatures are checked: browser bundles that do not, never carry it.
 */
export function jwksSignatureVerifier(http: HttpClient): IdTokenSignatureVerifier {
  const sets = new Map<string, KeySet>();
  // When a refetched set still lacked a kid (key: URI and kid): a provider signing with a key it does
  // not publish costs one refetch a minute, not one per sign-in. Capped, in entries and kid length.
  const unpublished = new Map<string, number>();
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
    const started = Date.now();
    // `failed`: the set this token failed with, when it is checked again after a refetch.
    const verify = async (failed?: KeySet): Promise<void> => {
      const cached = sets.get(jwksUri);
      // After a failure, a set another token fetched since this one arrived has the keys a refetch
      // would get: a rotation costs one JWKS request, not one per concurrent sign-in.
      const usable = cached && (failed ? cached !== failed && cached.at >= started : started - cached.at < KEY_SET_MAX_AGE_MS);
      const entry = usable ? cached : load(jwksUri);
      // A set fetched for this token, or within the last minute, is as new as it gets.
      const fresh = !!failed || Date.now() - entry.at < FRESH_KEY_SET_MS;
      // A set refetched only because it aged out, when the JWKS cannot be fetched now (an outage, an
      // error page): its keys are still the issuer's last known ones. It stays cached; the next token
      // tries the JWKS again.
      const aged = !failed && !usable ? cached : undefined;
      const keySet = await entry.keys.catch((error: unknown) => {
        if (!aged) throw error;
        if (!sets.has(jwksUri)) sets.set(jwksUri, aged);
        return aged.keys;
      });
      const { jwtVerify, decodeProtectedHeader, errors: joseErrors } = await loadJose();
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
        const noKey = error instanceof joseErrors.JWKSNoMatchingKey;
        const missing = noKey ? `${jwksUri}\n${String(decodeProtectedHeader(idToken).kid).slice(0, 128)}` : '';
        if (noKey && failed) {
          if (unpublished.size >= 100) unpublished.clear();
          unpublished.set(missing, Date.now());
        }
        const lacked = noKey && Date.now() - (unpublished.get(missing) ?? -Infinity) < FRESH_KEY_SET_MS;
        if (!failed && ((noKey && !lacked) || (error instanceof joseErrors.JWSSignatureVerificationFailed && !fresh))) return verify(entry);
        if (error instanceof joseErrors.JOSEAlgNotAllowed) {
          // The header is the server's text: only an algorithm-like name goes into the message.
          const alg = /^[\w+-]{1,16}$/.exec(String(decodeProtectedHeader(idToken).alg))?.[0] ?? 'an unknown algorithm';
          throw new ValidationError('alg', `The ID token is signed with ${alg}, which is not allowed: only algorithms checked with the issuer's public keys are (RS*, PS*, ES*, EdDSA); configure the provider to sign ID tokens with one, e.g. RS256`);
        }
        if (error instanceof joseErrors.JWKSNoMatchingKey) {
          throw new ValidationError('signature', 'The ID token is signed with a key the issuer does not publish');
        }
        throw new ValidationError('signature', 'The ID token signature is invalid');
      }
    };
    await verify();
  };
}
