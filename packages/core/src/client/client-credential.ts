import type { CryptoKey as JoseKey, JWK } from 'jose';
import { loadJose } from '../crypto/jose.js';
import { ConfigurationError } from '../errors.js';
import { base64UrlEncode, randomToken } from '../crypto/encoding.js';
import type { AuthorityMetadata } from '../authority/discovery.js';

/**
 * A private key that signs `private_key_jwt` assertions: with a certificate (thumbprint given,
 * sent as `x5t` / `x5t#S256`, as Entra wants) or bare (the key registered as a JWK, found by `kid`).
 */
export interface CertificateCredential {
  /** PKCS#8 PEM ("BEGIN PRIVATE KEY"), a private JWK, or a key already imported. */
  privateKey: string | CryptoKey | JsonWebKey;
  /** SHA-1 thumbprint (hex) of the certificate: sent as `x5t`. */
  thumbprint?: string;
  /** SHA-256 thumbprint (hex): sent as `x5t#S256` and, for RSA keys, signs with PS256. */
  thumbprintSha256?: string;
  /** PEM chain, leaf first: sent as `x5c` for subject-name/issuer authentication. */
  publicCertificate?: string;
  /** For encrypted PEM keys; needs a `decryptPrivateKey` hook (provided by @tessera/node). */
  passphrase?: string;
  /**
   * Signing algorithm. Default from the key: RS256 for RSA (PS256 with `thumbprintSha256`),
   * ES256/ES384/ES512 for P-256/P-384/P-521, EdDSA for Ed25519.
   */
  algorithm?: string;
  /**
   * `kid` header. Default for a bare key: the JWK's own `kid`, else its JWK thumbprint (RFC 7638); certificates are identified by their thumbprint instead and send no kid.
   */
  kid?: string;
}

/** A client secret: sent as `client_secret_basic`, `client_secret_post`, or signed into `client_secret_jwt`. */
export interface SecretCredential {
  /** The client secret. */
  clientSecret: string;
}

/** A client assertion made elsewhere (workload identity, a key in an HSM). */
export interface AssertionCredential {
  /** A signed client assertion, or a callback returning a fresh one (workload identity, managed keys). */
  clientAssertion: string | ((context: { clientId: string; tokenEndpoint: string; signal?: AbortSignal }) => Promise<string>);
}

/** A client secret, a certificate or bare private key, or a client assertion. */
export type ClientCredential = string | SecretCredential | CertificateCredential | AssertionCredential;

/** How the client authenticates at the token endpoint (the `token_endpoint_auth_method` it is registered with). */
export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'client_secret_jwt' | 'private_key_jwt';

const AUTH_METHODS: readonly ClientAuthMethod[] = ['client_secret_basic', 'client_secret_post', 'client_secret_jwt', 'private_key_jwt'];

/** Decrypts a passphrase-protected PEM key (node:crypto in @tessera/node). */
export type PrivateKeyDecryptor = (pem: string, passphrase: string) => Promise<CryptoKey | string>;

/** What a token request carries to authenticate the client. */
export interface ClientAuthentication {
  params: Record<string, string>;
  headers: Record<string, string>;
  /**
   * Raw secret values the request carries elsewhere than in secret form parameters (those are found
   * in the request), e.g. in Basic credentials; every encoding of them is redacted from server errors.
   */
  secrets?: string[];
}

/** Produces the client authentication of one token request. */
export type ClientAuthenticator = (tokenEndpoint: string, metadata: AuthorityMetadata, signal?: AbortSignal) => Promise<ClientAuthentication>;

/** Options of {@link clientAuthenticator}. */
export interface ClientAuthenticatorOptions {
  /** Extra claims signed into assertions. */
  clientClaims?: Record<string, unknown>;
  decryptPrivateKey?: PrivateKeyDecryptor;
  /** The method to use; default: from the credential and the provider's `token_endpoint_auth_methods_supported`. */
  clientAuthMethod?: ClientAuthMethod;
}

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
type Key = CryptoKey | JoseKey | Uint8Array;

/** Turns a configured credential into the token-request parameters that authenticate the client. */
export function clientAuthenticator(clientId: string, credential: ClientCredential, options: ClientAuthenticatorOptions = {}): ClientAuthenticator {
  const method = options.clientAuthMethod;
  if (method !== undefined && !AUTH_METHODS.includes(method)) {
    throw new ConfigurationError(`\`clientAuthMethod\` "${String(method)}" is not supported; expected one of ${AUTH_METHODS.join(', ')}`);
  }
  const sign = (tokenEndpoint: string, key: Key, header: Record<string, unknown>) => signAssertion(clientId, tokenEndpoint, key, header, options.clientClaims);

  if (typeof credential === 'string' || 'clientSecret' in credential) {
    const secret = typeof credential === 'string' ? credential : credential.clientSecret;
    if (method === 'private_key_jwt') throw needs(method, 'a private key (`clientCredential: { privateKey }`), but a client secret was given');
    if (!secret) throw needs(method ?? 'Client secret authentication', 'a client secret, but `clientSecret` is empty');
    return async (tokenEndpoint, metadata) => {
      const chosen = method ?? secretMethod(metadata);
      if (chosen === 'client_secret_post') return { params: { client_id: clientId, client_secret: secret }, headers: {} };
      if (chosen === 'client_secret_jwt') {
        // RFC 7518 3.2: the HMAC key is the secret's octets.
        return assertionAuthentication(clientId, await sign(tokenEndpoint, new TextEncoder().encode(secret), { alg: 'HS256', typ: 'JWT' }));
      }
      return basicAuthentication(clientId, secret);
    };
  }
  if ('clientAssertion' in credential) {
    const source = credential.clientAssertion;
    if (method !== undefined && method !== 'private_key_jwt' && method !== 'client_secret_jwt') {
      throw needs(method, 'a client secret, but a client assertion was given');
    }
    if (!source) throw needs(method ?? 'Client assertion authentication', 'a client assertion, but `clientAssertion` is empty');
    return async (tokenEndpoint, _metadata, signal) =>
      assertionAuthentication(clientId, typeof source === 'string' ? source : await source({ clientId, tokenEndpoint, signal }));
  }
  if (method !== undefined && method !== 'private_key_jwt') {
    throw needs(method, 'a client secret (`clientCredential: { clientSecret }`), but a private key was given');
  }
  if (!credential.privateKey) throw needs('private_key_jwt', '`privateKey` (PKCS#8 PEM, a private JWK or a CryptoKey)');
  const certificate = Boolean(credential.thumbprint || credential.thumbprintSha256);
  // Imported once; a failure is not remembered (a hook or a file may be fixed).
  let signer: Promise<SigningKey> | undefined;
  const loadSigner = (metadata: AuthorityMetadata) => {
    const pending = (signer ??= loadSigningKey(credential, certificate, metadata, options.decryptPrivateKey));
    pending.catch(() => (signer = undefined));
    return pending;
  };
  return async (tokenEndpoint, metadata) => {
    const { key, alg, kid } = await loadSigner(metadata);
    const header: Record<string, unknown> = { alg, typ: 'JWT' };
    if (kid) header.kid = kid;
    // A bare key has no certificate: sending a made-up x5t would point the provider at nothing.
    if (credential.thumbprintSha256) header['x5t#S256'] = hexToBase64Url(credential.thumbprintSha256);
    else if (credential.thumbprint) header.x5t = hexToBase64Url(credential.thumbprint);
    if (credential.publicCertificate) header.x5c = pemCertificatesToX5c(credential.publicCertificate);
    return assertionAuthentication(clientId, await sign(tokenEndpoint, key, header));
  };
}

function needs(method: string, what: string): ConfigurationError {
  return new ConfigurationError(`${method} needs ${what}`);
}

/**
 * Without `clientAuthMethod`: client_secret_basic, unless the provider lists client_secret_post
 * first or only (Entra does: the secret goes in the body), or lists only client_secret_jwt.
 */
function secretMethod(metadata: AuthorityMetadata): ClientAuthMethod {
  const methods = metadata.token_endpoint_auth_methods_supported ?? ['client_secret_basic'];
  const basic = methods.indexOf('client_secret_basic');
  const post = methods.indexOf('client_secret_post');
  if (post !== -1 && (basic === -1 || post < basic)) return 'client_secret_post';
  if (basic === -1 && methods.includes('client_secret_jwt')) return 'client_secret_jwt';
  return 'client_secret_basic';
}

function basicAuthentication(clientId: string, secret: string): ClientAuthentication {
  // RFC 6749 2.3.1: both parts are form-encoded before base64.
  const user = encodeURIComponent(clientId).replace(/%20/g, '+');
  const pass = encodeURIComponent(secret).replace(/%20/g, '+');
  const credentials = btoa(`${user}:${pass}`);
  // Hidden from server text in each form the header holds it: the secret, `id:secret` and its base64.
  return { params: {}, headers: { authorization: `Basic ${credentials}` }, secrets: [secret, `${user}:${pass}`, credentials] };
}

function assertionAuthentication(clientId: string, assertion: string): ClientAuthentication {
  return { params: { client_id: clientId, client_assertion_type: ASSERTION_TYPE, client_assertion: assertion }, headers: {} };
}

/** RFC 7523 client assertion: iss = sub = client id, aud = token endpoint, short-lived, unique jti. */
async function signAssertion(clientId: string, tokenEndpoint: string, key: Key, header: Record<string, unknown>, claims?: Record<string, unknown>): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const { SignJWT } = await loadJose();
  return new SignJWT({ ...claims, jti: randomToken(16) })
    .setProtectedHeader(header as { alg: string })
    .setIssuer(clientId)
    .setSubject(clientId)
    .setAudience(tokenEndpoint)
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + 600)
    .sign(key);
}

/** The key family, which decides the JWS algorithm. */
type KeyKind = 'RSA' | 'RSA-PSS' | 'P-256' | 'P-384' | 'P-521' | 'Ed25519';
const EC_ALGORITHMS: Record<string, string> = { 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512' };

function algorithmFor(kind: KeyKind, sha256Thumbprint: boolean, metadata: AuthorityMetadata): string {
  if (kind === 'RSA') return sha256Thumbprint ? 'PS256' : 'RS256';
  if (kind === 'RSA-PSS') return 'PS256';
  if (kind !== 'Ed25519') return EC_ALGORITHMS[kind]!;
  // Ed25519 only where the provider says it verifies it (EdDSA, or RFC 9864's fully specified name).
  const listed = (metadata as Record<string, unknown>).token_endpoint_auth_signing_alg_values_supported;
  if (!Array.isArray(listed) || listed.includes('EdDSA')) return 'EdDSA';
  if (listed.includes('Ed25519')) return 'Ed25519';
  throw needs('private_key_jwt', `a key the provider can verify: it lists ${listed.join(', ')} in token_endpoint_auth_signing_alg_values_supported, not EdDSA (the key is Ed25519)`);
}

interface SigningKey {
  key: Key;
  alg: string;
  kid?: string;
}

/** Imports the key for its algorithm (given, or from the key's kind), and works out a bare key's kid. */
async function loadSigningKey(credential: CertificateCredential, certificate: boolean, metadata: AuthorityMetadata, decrypt?: PrivateKeyDecryptor): Promise<SigningKey> {
  const jose = await loadJose();
  let source = credential.privateKey;
  if (typeof source === 'string' && (credential.passphrase || source.includes('ENCRYPTED PRIVATE KEY'))) {
    if (!decrypt) throw needs('private_key_jwt', 'a `decryptPrivateKey` hook for an encrypted private key (use @tessera/node)');
    source = await decrypt(source, credential.passphrase ?? '');
  }
  const wantKid = !certificate && credential.kid === undefined;
  const algorithm = (kind: KeyKind) => credential.algorithm ?? algorithmFor(kind, Boolean(credential.thumbprintSha256), metadata);
  let key: Key;
  let alg: string;
  let jwk: JWK | undefined;
  if (typeof source === 'string') {
    const pem = source;
    if (!pem.includes('BEGIN PRIVATE KEY')) {
      throw needs('private_key_jwt', 'a PKCS#8 PEM private key ("BEGIN PRIVATE KEY"); convert it with `openssl pkcs8 -topk8 -nocrypt`');
    }
    alg = algorithm(pemKeyKind(pem));
    key = await attempt(alg, () => jose.importPKCS8(pem, alg, { extractable: wantKid }));
    if (wantKid) jwk = await jose.exportJWK(key as CryptoKey);
  } else if (isCryptoKey(source)) {
    key = source;
    alg = algorithm(cryptoKeyKind(source));
    // A non-extractable key's thumbprint cannot be computed: it goes without kid unless one is given.
    if (wantKid && source.extractable) jwk = await jose.exportJWK(source);
  } else {
    const given = source as JWK;
    if (typeof given.d !== 'string') throw needs('private_key_jwt', 'a private JWK (with "d"); the one given is a public key');
    alg = algorithm(jwkKind(given));
    key = (await attempt(alg, () => jose.importJWK(given, alg))) as Key;
    jwk = given;
  }
  const kid = credential.kid ?? (wantKid && jwk ? (jwk.kid ?? (await jose.calculateJwkThumbprint(jwk))) : undefined);
  return { key, alg, kid };
}

async function attempt<T>(alg: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    throw needs('private_key_jwt', `a private key that can sign ${alg}: ${(error as Error).message}`);
  }
}

function isCryptoKey(key: unknown): key is CryptoKey {
  return typeof key === 'object' && key !== null && 'algorithm' in key && 'type' in key && !('kty' in key);
}

function cryptoKeyKind(key: CryptoKey): KeyKind {
  const algorithm = key.algorithm as { name: string; namedCurve?: string };
  if (algorithm.name === 'RSASSA-PKCS1-v1_5') return 'RSA';
  if (algorithm.name === 'RSA-PSS') return 'RSA-PSS';
  if (algorithm.name === 'ECDSA' && algorithm.namedCurve && algorithm.namedCurve in EC_ALGORITHMS) return algorithm.namedCurve as KeyKind;
  if (algorithm.name === 'Ed25519') return 'Ed25519';
  throw needs('private_key_jwt', `an RSA, P-256/384/521 or Ed25519 signing key; the CryptoKey is ${algorithm.name} ${algorithm.namedCurve ?? ''}`.trim());
}

function jwkKind(jwk: JWK): KeyKind {
  if (jwk.kty === 'RSA') return 'RSA';
  if (jwk.kty === 'EC' && jwk.crv && jwk.crv in EC_ALGORITHMS) return jwk.crv as KeyKind;
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return 'Ed25519';
  throw needs('private_key_jwt', `an RSA, EC (P-256/384/521) or Ed25519 JWK; the one given has kty "${String(jwk.kty)}"${jwk.crv ? ` crv "${jwk.crv}"` : ''}`);
}

// DER of the algorithm identifiers in a PKCS#8 PrivateKeyInfo.
const KEY_OIDS: [string, KeyKind][] = [
  ['2a864886f70d010101', 'RSA'], // rsaEncryption
  ['2a864886f70d01010a', 'RSA-PSS'], // id-RSASSA-PSS
  ['2a8648ce3d030107', 'P-256'], // prime256v1
  ['2b81040022', 'P-384'], // secp384r1
  ['2b81040023', 'P-521'], // secp521r1
  ['06032b6570', 'Ed25519'], // id-Ed25519 (with its tag and length)
];

/** The key family of a PKCS#8 PEM, from the algorithm identifier near its start. */
function pemKeyKind(pem: string): KeyKind {
  const body = pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
  let head = '';
  try {
    // The AlgorithmIdentifier sits in the first few dozen bytes.
    for (const c of atob(body.slice(0, 64))) head += c.charCodeAt(0).toString(16).padStart(2, '0');
  } catch {
    throw needs('private_key_jwt', 'a PKCS#8 PEM private key; the PEM is not valid base64');
  }
  const found = KEY_OIDS.find(([oid]) => head.includes(oid));
  if (!found) throw needs('private_key_jwt', 'an RSA, EC (P-256/384/521) or Ed25519 private key; the PEM holds another kind');
  return found[1];
}

function hexToBase64Url(hex: string): string {
  const clean = hex.replace(/[^0-9a-f]/gi, '');
  if (clean.length % 2 !== 0 || clean.length === 0) throw new ConfigurationError('A certificate thumbprint must be hexadecimal');
  return base64UrlEncode(Uint8Array.from(clean.match(/../g)!, (b) => parseInt(b, 16)));
}

/** PEM certificate chain to the x5c array (base64 DER, not base64url). */
export function pemCertificatesToX5c(pem: string): string[] {
  const certs = [...pem.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)].map((m) => m[1]!.replace(/\s+/g, ''));
  if (certs.length === 0) throw new ConfigurationError('`publicCertificate` holds no PEM certificate');
  return certs;
}
