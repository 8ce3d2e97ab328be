import { X509Certificate, createHash } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, exportPKCS8, generateKeyPair, importX509, type JWK } from 'jose';
import { FIXTURE_CERTIFICATE_PEM, FIXTURE_PRIVATE_KEY_PEM } from './fixture-keys.js';

/** JWS algorithms the authority can sign ID tokens with (see DevAuthorityOptions.idTokenSigningAlg). */
export type IdTokenSigningAlg = 'RS256' | 'RS384' | 'RS512' | 'PS256' | 'PS384' | 'PS512' | 'ES256' | 'ES384' | 'ES512' | 'EdDSA' | 'Ed25519';

/**
 * A fresh RS256 signing key per authority (the API's JWT access tokens, and ID tokens by default).
 * Its kid is `kid` when given, else the key's RFC 7638 thumbprint. Another ID-token algorithm adds
 * a key for it (`alg` set, its thumbprint as kid), as providers publish one key per algorithm.
 */
export async function generateSigningJwks(kid?: string, idTokenAlg: IdTokenSigningAlg = 'RS256'): Promise<{ keys: JWK[] }> {
  const rsa = await signingKey('RS256', kid);
  return { keys: idTokenAlg === 'RS256' ? [rsa] : [rsa, await signingKey(idTokenAlg)] };
}

async function signingKey(alg: IdTokenSigningAlg, kid?: string): Promise<JWK> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'EdDSA' && { crv: 'Ed25519' }) });
  const jwk = await exportJWK(privateKey);
  kid ??= await calculateJwkThumbprint(jwk);
  return { ...jwk, kid, alg, use: 'sig' };
}

export interface FixtureClientKey {
  privateKeyPem: string;
  certificatePem: string;
  thumbprint: string;
  thumbprintSha256: string;
  /** Public JWK with x5c, as registered for the private_key_jwt client. */
  publicJwk: JWK;
}

/** The committed, publicly known fixture key of the private_key_jwt client. */
export async function loadFixtureClientKey(): Promise<FixtureClientKey> {
  const der = new X509Certificate(FIXTURE_CERTIFICATE_PEM).raw;
  const publicJwk = await exportJWK(await importX509(FIXTURE_CERTIFICATE_PEM, 'RS256', { extractable: true }));
  const kid = await calculateJwkThumbprint(publicJwk);
  return {
    privateKeyPem: FIXTURE_PRIVATE_KEY_PEM,
    certificatePem: FIXTURE_CERTIFICATE_PEM,
    thumbprint: createHash('sha1').update(der).digest('hex'),
    thumbprintSha256: createHash('sha256').update(der).digest('hex'),
    publicJwk: { ...publicJwk, kid, alg: 'RS256', use: 'sig', x5c: [der.toString('base64')] },
  };
}

/** A bare client key (no certificate), generated per authority: EC P-256 or Ed25519. */
export interface BareClientKey {
  privateJwk: JWK;
  privateKeyPem: string;
  /** Its RFC 7638 thumbprint, the kid it is registered with. */
  kid: string;
  /** Public JWK as registered for the ES256 private_key_jwt client. */
  publicJwk: JWK;
}

/** Generates the key of a bare-key private_key_jwt client (ES256, or EdDSA with Ed25519). */
export async function generateBareClientKey(alg: 'ES256' | 'EdDSA' = 'ES256'): Promise<BareClientKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, alg === 'EdDSA' ? { extractable: true, crv: 'Ed25519' } : { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  return {
    privateJwk: await exportJWK(privateKey),
    privateKeyPem: await exportPKCS8(privateKey),
    kid,
    publicJwk: { ...publicJwk, kid, alg, use: 'sig' },
  };
}
