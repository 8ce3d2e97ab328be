import * as z from 'zod/mini';
import { ValidationError } from '../errors.js';
import { finiteNumber, parseOrThrow, optional, optionalString, stringOrStrings, text as requiredString } from '../http/schemas.js';
import { base64UrlDecodeToString } from './encoding.js';

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

/**
 * Decodes a compact JWT, refusing anything that is not a signed JWS. Only base64url and JSON:
 * signatures are jose's job (jwksSignatureVerifier), and browser bundles need not carry jose.
 */
export function decodeIdToken(idToken: string): IdTokenClaims {
  const parts = idToken.split('.');
  const header = parts.length === 3 ? decodeSegment(parts[0]!) : undefined;
  if (!header) throw new ValidationError('jwt', 'The ID token is not a well-formed JWT');
  if (typeof header.alg !== 'string' || header.alg.toLowerCase() === 'none') {
    throw new ValidationError('alg', 'The ID token is unsigned (alg "none"), which is never accepted');
  }
  const claims = decodeSegment(parts[1]!);
  if (!claims) throw new ValidationError('jwt', 'The ID token payload is not valid JSON claims');
  // Typed later by validateIdTokenClaims, which names the failed claim as its check.
  return claims as IdTokenClaims;
}

/** A base64url JSON object segment, or undefined. */
function decodeSegment(segment: string): Record<string, unknown> | undefined {
  try {
    if (!/^[\w-]+$/.test(segment)) return undefined;
    const value: unknown = JSON.parse(base64UrlDecodeToString(segment));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * OpenID Connect Core 3.1.3.7 claim checks; the error names the failed check (for a claim of the
 * wrong type or missing, the claim's name).
 */
export function validateIdTokenClaims(input: IdTokenClaims, expect: IdTokenExpectations): void {
  const claims = parseOrThrow(idTokenClaimsSchema, input, (path, message) => new ValidationError(path.split('.')[0] || 'jwt', `The ID token claim "${path || '(payload)'}" is invalid: ${message}`));
  const now = expect.now ?? Math.floor(Date.now() / 1000);
  const skew = expect.clockSkew ?? 300;
  const iss = claims.iss;
  const issuerOk = typeof expect.issuer === 'string' ? iss === expect.issuer : expect.issuer(iss, claims);
  if (!issuerOk) throw new ValidationError('iss', 'The ID token issuer does not match the authority');
  const aud = typeof claims.aud === 'string' ? [claims.aud] : claims.aud;
  if (!Array.isArray(aud) || !aud.includes(expect.clientId)) {
    throw new ValidationError('aud', 'The ID token audience does not include this client id');
  }
  if (aud.length > 1 && claims.azp !== expect.clientId) {
    throw new ValidationError('azp', 'The ID token has several audiences and its azp is not this client id');
  }
  if (claims.azp !== undefined && claims.azp !== expect.clientId) {
    throw new ValidationError('azp', 'The ID token azp is not this client id');
  }
  if (claims.exp + skew < now) {
    throw new ValidationError('exp', 'The ID token has expired');
  }
  if (claims.nbf !== undefined && claims.nbf - skew > now) {
    throw new ValidationError('nbf', 'The ID token is not valid yet (nbf is in the future)');
  }
  // A token issued after now (beyond the skew) comes from a wrong clock or was minted for later use.
  if (claims.iat !== undefined && claims.iat - skew > now) {
    throw new ValidationError('iat', 'The ID token was issued in the future (iat is later than now plus the clock skew)');
  }
  if (expect.nonce !== undefined && claims.nonce !== expect.nonce) {
    throw new ValidationError('nonce', 'The ID token nonce does not match the request');
  }
  if (expect.maxAge !== undefined) {
    if (claims.auth_time === undefined) {
      throw new ValidationError('auth_time', 'max_age was requested but the ID token has no auth_time');
    }
    if (claims.auth_time + expect.maxAge + skew < now) {
      throw new ValidationError('auth_time', 'The sign-in is older than the requested max_age');
    }
  }
}
