import * as z from 'zod/mini';
import { ValidationError } from '../errors.js';
import { finiteNumber, isRecord, optional, optionalString, parseOrThrow, stringOrStrings, text as requiredString } from '../http/schemas.js';
import { base64UrlJson } from './encoding.js';

const time = optional(finiteNumber());
const text = optionalString;

/**
 * The claims checked or used for identity, with their JSON types (OpenID Connect Core 2); others
 * pass through.
 * A claim of the wrong type (a string `nbf`) fails the token, it is never skipped.
 */
export const idTokenClaimsSchema = z.looseObject({
  /** Issuer. */
  iss: requiredString,
  /** Subject: the user's id at the issuer. */
  sub: text,
  /** Audience: the client id(s). */
  aud: stringOrStrings('expected a string or an array of strings'),
  /** Expiry, seconds since the epoch. */
  exp: finiteNumber(),
  /** Issued at, seconds since the epoch. */
  iat: time,
  /** Not before, seconds since the epoch. */
  nbf: time,
  /** When the user signed in, seconds since the epoch. */
  auth_time: time,
  /** The nonce of the authorization request. */
  nonce: text,
  /** Authorized party: the client id, when there are several audiences. */
  azp: text,
  /** Entra tenant id. */
  tid: text,
  /** Entra object id of the user. */
  oid: text,
  // Display claims (name, preferred_username, email, upn) stay unchecked: a null name is no attack.
});

/** ID-token claims as validated: the standard ones typed, any others as the issuer sent them. */
export type IdTokenClaims = z.infer<typeof idTokenClaimsSchema>;

/** Verifies a JWS signature; injected so that apps which do not verify never bundle the code. */
export type IdTokenSignatureVerifier = (idToken: string, context: { jwksUri?: string; issuer: string }) => Promise<void>;

export interface IdTokenExpectations {
  /** Expected issuer; a function for multi-tenant issuer templates. */
  issuer: string | ((iss: string, claims: IdTokenClaims) => boolean);
  clientId: string;
  nonce?: string;
  /** max_age from the request, in seconds. */
  maxAge?: number;
  /** Allowed clock skew, seconds. */
  clockSkew?: number;
  now?: number;
}

/** A ValidationError naming the failed check (`jwt` for the token's shape, else the claim). */
const invalid = (check: string, problem: string) => new ValidationError(check, `ID token ${problem}`);

/**
 * Decodes a compact JWT, refusing anything that is not a signed JWS (an encrypted one, JWE, with a
 * message that says how to turn encryption off). Only base64url and JSON:
 * signatures are jose's job (jwksSignatureVerifier), and browser bundles need not carry jose.
 */
export function decodeIdToken(idToken: string): IdTokenClaims {
  const parts = idToken.split('.');
  const header = parts.length === 3 ? decodeSegment(parts[0]!) : undefined;
  const malformed = 'is not a well-formed JWT';
  // Five parts: a JWE, which only the client's decryption key opens.
  if (!header) throw invalid('jwt', parts.length === 5 ? 'is encrypted (unsupported): turn off ID token encryption for this client at the provider' : malformed);
  if (typeof header.alg !== 'string' || header.alg.toLowerCase() === 'none') throw invalid('alg', 'is unsigned (alg "none")');
  const claims = decodeSegment(parts[1]!);
  if (!claims) throw invalid('jwt', malformed);
  // Typed later by validateIdTokenClaims, which names the failed claim as its check.
  return claims as IdTokenClaims;
}

/** A base64url JSON object segment, or undefined. */
function decodeSegment(segment: string): Record<string, unknown> | undefined {
  const value = /^[\w-]+$/.test(segment) ? base64UrlJson(segment) : undefined;
  return isRecord(value) ? value : undefined;
}

/**
 * OpenID Connect Core 3.1.3.7 claim checks; the error names the failed check (for a claim of the
 * wrong type or missing, the claim's name).
 */
export function validateIdTokenClaims(input: IdTokenClaims, expect: IdTokenExpectations): void {
  checkIdTokenClock(checkIdTokenClaims(input, expect), expect);
}

/**
 * The checks of validateIdTokenClaims that do not depend on the clock: the claims' types, whose and
 * for whom the token is (iss, aud, azp, nonce). Returns the claims as typed.
 */
export function checkIdTokenClaims(input: IdTokenClaims, expect: IdTokenExpectations): IdTokenClaims {
  const claims = parseOrThrow(idTokenClaimsSchema, input, (path, message) => invalid(path.split('.')[0] || 'jwt', `claim "${path || '(payload)'}" is invalid: ${message}`));
  const { iss, aud, azp, nonce, auth_time } = claims;
  const { issuer, clientId } = expect;
  if (typeof issuer === 'string' ? iss !== issuer : !issuer(iss, claims)) throw invalid('iss', 'issuer is not the authority');
  // zod checked aud: a string or an array of strings.
  const audiences = typeof aud === 'string' ? [aud] : aud;
  if (!audiences.includes(clientId)) throw invalid('aud', 'audience lacks this client id');
  // With several audiences azp is required; when present it must be this client.
  if ((audiences.length > 1 || azp !== undefined) && azp !== clientId) throw invalid('azp', 'azp is not this client id');
  if (expect.nonce !== undefined && nonce !== expect.nonce) throw invalid('nonce', 'nonce does not match the request');
  if (expect.maxAge !== undefined && auth_time === undefined) throw invalid('auth_time', 'lacks auth_time (max_age was requested)');
  return claims;
}

/**
 * The checks of validateIdTokenClaims against the clock (exp, nbf, iat, the max_age of auth_time),
 * on claims checkIdTokenClaims passed: a failure here can be this machine's clock, not the token.
 */
export function checkIdTokenClock(claims: IdTokenClaims, expect: IdTokenExpectations): void {
  const { exp, nbf, iat, auth_time } = claims;
  const { maxAge, now = Math.floor(Date.now() / 1000), clockSkew: skew = 300 } = expect;
  if (exp + skew < now) throw invalid('exp', 'has expired');
  if (nbf !== undefined && nbf - skew > now) throw invalid('nbf', 'is not valid yet (nbf)');
  // A token issued after now (beyond the skew) comes from a wrong clock or was minted for later use.
  if (iat !== undefined && iat - skew > now) throw invalid('iat', 'was issued in the future (iat)');
  if (maxAge !== undefined && !(auth_time !== undefined && auth_time + maxAge + skew >= now)) throw invalid('auth_time', 'sign-in is older than max_age');
}
