import type { CryptoKey as JoseKey } from 'jose';
import { loadJose } from '../crypto/jose.js';
import { ConfigurationError } from '../errors.js';
import { base64UrlEncode, randomToken } from '../crypto/encoding.js';
import type { AuthorityMetadata } from '../authority/discovery.js';

/** A certificate credential: the private key signs a client assertion (RFC 7523), the thumbprint names the certificate. */
export interface CertificateCredential {
  /** PKCS#8 PEM ("BEGIN PRIVATE KEY"), or a key already imported. */
  privateKey: string | CryptoKey;
  /** SHA-1 thumbprint (hex) of the certificate: sent as `x5t`. */
  thumbprint?: string;
  /** SHA-256 thumbprint (hex): sent as `x5t#S256` and signs with PS256. */
  thumbprintSha256?: string;
  /** PEM chain, leaf first: sent as `x5c` for subject-name/issuer authentication. */
  publicCertificate?: string;
  /** For encrypted PEM keys; needs a `decryptPrivateKey` hook (provided by @tessera/node). */
  passphrase?: string;
  /** Signing algorithm; default RS256, or PS256 with thumbprintSha256. */
  algorithm?: string;
}

/** A client assertion credential (a JWT signed elsewhere). */
export interface AssertionCredential {
  /** A signed client assertion, or a callback returning a fresh one (workload identity, managed keys). */
  clientAssertion: string | ((context: { clientId: string; tokenEndpoint: string; signal?: AbortSignal }) => Promise<string>);
}

/** A client secret, a certificate, or a client assertion. */
export type ClientCredential =
  | string
  | {
      /** The client secret. */
      clientSecret: string;
    }
  | CertificateCredential | AssertionCredential;

/** Decrypts an encrypted PEM private key (supplied by @tessera/node, which has the crypto for it). */
export type PrivateKeyDecryptor = (pem: string, passphrase: string) => Promise<CryptoKey | string>;

export interface ClientAuthentication {
  params: Record<string, string>;
  headers: Record<string, string>;
  /**
   * Raw secret values the request carries elsewhere than in secret form parameters or Basic
   * credentials (those are found in the request); every encoding of them is redacted from server errors.
   */
  secrets?: string[];
}

export type ClientAuthenticator = (tokenEndpoint: string, metadata: AuthorityMetadata, signal?: AbortSignal) => Promise<ClientAuthentication>;

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** Turns a configured credential into the token-request parameters that authenticate the client. */
export function clientAuthenticator(
  clientId: string,
  credential: ClientCredential,
  options: { clientClaims?: Record<string, unknown>; decryptPrivateKey?: PrivateKeyDecryptor } = {},
): ClientAuthenticator {
  if (typeof credential === 'string' || 'clientSecret' in credential) {
    const secret = typeof credential === 'string' ? credential : credential.clientSecret;
    if (!secret) throw new ConfigurationError('The client secret is empty');
    return async (_endpoint, metadata) => secretAuthentication(clientId, secret, metadata);
  }
  if ('clientAssertion' in credential) {
    const source = credential.clientAssertion;
    if (!source) throw new ConfigurationError('The client assertion is empty');
    return async (tokenEndpoint, _metadata, signal) => ({
      params: {
        client_id: clientId,
        client_assertion_type: ASSERTION_TYPE,
        client_assertion: typeof source === 'string' ? source : await source({ clientId, tokenEndpoint, signal }),
      },
      headers: {},
    });
  }
  if (!credential.privateKey) throw new ConfigurationError('A certificate credential needs `privateKey` (PEM)');
  if (!credential.thumbprint && !credential.thumbprintSha256) {
    throw new ConfigurationError('A certificate credential needs `thumbprint` (SHA-1 hex) or `thumbprintSha256`');
  }
  const alg = credential.algorithm ?? (credential.thumbprintSha256 ? 'PS256' : 'RS256');
  let key: Promise<CryptoKey | JoseKey> | undefined;
  const loadKey = () => (key ??= importKey(credential, alg, options.decryptPrivateKey));
  return async (tokenEndpoint) => {
    const header: Record<string, unknown> = { alg, typ: 'JWT' };
    if (credential.thumbprintSha256) header['x5t#S256'] = hexToBase64Url(credential.thumbprintSha256);
    else header.x5t = hexToBase64Url(credential.thumbprint!);
    if (credential.publicCertificate) header.x5c = pemCertificatesToX5c(credential.publicCertificate);
    const now = Math.floor(Date.now() / 1000);
    const { SignJWT } = await loadJose();
    const assertion = await new SignJWT({ ...options.clientClaims, jti: randomToken(16) })
      .setProtectedHeader(header as { alg: string })
      .setIssuer(clientId)
      .setSubject(clientId)
      .setAudience(tokenEndpoint)
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + 600)
      .sign(await loadKey());
    return { params: { client_id: clientId, client_assertion_type: ASSERTION_TYPE, client_assertion: assertion }, headers: {} };
  };
}

/** client_secret_basic unless the server lists only client_secret_post (or lists post first). */
function secretAuthentication(clientId: string, secret: string, metadata: AuthorityMetadata): ClientAuthentication {
  const methods = metadata.token_endpoint_auth_methods_supported ?? ['client_secret_basic'];
  const basic = methods.indexOf('client_secret_basic');
  const post = methods.indexOf('client_secret_post');
  if (post !== -1 && (basic === -1 || post < basic)) {
    return { params: { client_id: clientId, client_secret: secret }, headers: {} };
  }
  // RFC 6749 2.3.1: both parts are form-encoded before base64.
  const user = encodeURIComponent(clientId).replace(/%20/g, '+');
  const pass = encodeURIComponent(secret).replace(/%20/g, '+');
  const credentials = btoa(`${user}:${pass}`);
  return { params: {}, headers: { authorization: `Basic ${credentials}` }, secrets: [secret] };
}

async function importKey(credential: CertificateCredential, alg: string, decrypt?: PrivateKeyDecryptor): Promise<CryptoKey | JoseKey> {
  let key = credential.privateKey;
  if (typeof key === 'string' && (credential.passphrase || key.includes('ENCRYPTED PRIVATE KEY'))) {
    if (!decrypt) throw new ConfigurationError('Encrypted private keys need a `decryptPrivateKey` hook (use @tessera/node)');
    key = await decrypt(key, credential.passphrase ?? '');
  }
  if (typeof key !== 'string') return key;
  if (!key.includes('BEGIN PRIVATE KEY')) {
    throw new ConfigurationError('The private key must be PKCS#8 PEM ("BEGIN PRIVATE KEY"); convert it with `openssl pkcs8 -topk8 -nocrypt`');
  }
  try {
    return await (await loadJose()).importPKCS8(key, alg);
  } catch (error) {
    throw new ConfigurationError(`The private key cannot be used with ${alg}: ${(error as Error).message}`);
  }
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
