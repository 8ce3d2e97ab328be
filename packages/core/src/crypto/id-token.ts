import { ValidationError } from '../errors.js';
import { base64UrlDecodeToString } from './encoding.js';

/**
 * Claims of an ID token (OpenID Connect Core section 2, plus Entra's). Declared here rather than as
 * jose's `JWTPayload` so the published types do not import the ESM-only jose (TS1479 for CommonJS consumers).
 */
export interface IdTokenClaims {
  /** Issuer. */
  iss?: string;
  /** Subject: the user's id at the issuer. */
  sub?: string;
  /** Audience: the client id(s). */
  aud?: string | string[];
  /** Token id. */
  jti?: string;
  /** Not before, seconds since the epoch. */
  nbf?: number;
  /** Expiry, seconds since the epoch. */
  exp?: number;
  /** Issued at, seconds since the epoch. */
  iat?: number;
  /** The nonce of the authorization request. */
  nonce?: string;
  /** When the user signed in, seconds since the epoch. */
  auth_time?: number;
  /** Authorized party: the client id, when there are several audiences. */
  azp?: string;
  /** Entra tenant id. */
  tid?: string;
  /** Entra object id of the user. */
  oid?: string;
  /** Display name. */
  name?: string;
  /** The name the user signs in with. */
  preferred_username?: string;
  /** Email address. */
  email?: string;
  /** Entra user principal name. */
  upn?: string;
  [claim: string]: unknown;
}

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

/** OpenID Connect Core 3.1.3.7 claim checks; the error names the failed check. */
export function validateIdTokenClaims(claims: IdTokenClaims, expect: IdTokenExpectations): void {
  const now = expect.now ?? Math.floor(Date.now() / 1000);
  const skew = expect.clockSkew ?? 300;
  const iss = claims.iss;
  const issuerOk =
    typeof iss === 'string' && (typeof expect.issuer === 'string' ? iss === expect.issuer : expect.issuer(iss, claims));
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
  if (typeof claims.exp !== 'number' || claims.exp + skew < now) {
    throw new ValidationError('exp', 'The ID token has expired');
  }
  if (typeof claims.nbf === 'number' && claims.nbf - skew > now) {
    throw new ValidationError('nbf', 'The ID token is not valid yet (nbf is in the future)');
  }
  if (expect.nonce !== undefined && claims.nonce !== expect.nonce) {
    throw new ValidationError('nonce', 'The ID token nonce does not match the request');
  }
  if (expect.maxAge !== undefined) {
    if (typeof claims.auth_time !== 'number') {
      throw new ValidationError('auth_time', 'max_age was requested but the ID token has no auth_time');
    }
    if (claims.auth_time + expect.maxAge + skew < now) {
      throw new ValidationError('auth_time', 'The sign-in is older than the requested max_age');
    }
  }
}
