import { ConfigurationError, type PrivateKeyDecryptor } from '@tessera/core';
import { nodeCrypto } from '../node-builtins.js';

/** A PEM bundle taken apart: the key in a form core imports, and the certificate that matches it. */
export interface PemCertificate {
  /** PKCS#8 PEM; or, when `encrypted`, the PEM as given, for core to decrypt with `decryptPrivateKey`. */
  privateKey: string;
  encrypted: boolean;
  /** Hex SHA-1 and SHA-256 of the DER certificate. */
  thumbprint: string;
  thumbprintSha256: string;
  /** The certificates as PEM, leaf first: the x5c chain. */
  chain: string;
  /** JWS algorithm the certificate's key calls for, given the hash family the authority prefers. */
  algorithm(rsa: 'RS256' | 'PS256'): string;
}

const CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
const PRIVATE_KEY = /-----BEGIN ((?:RSA |EC |ENCRYPTED )?PRIVATE KEY)-----[\s\S]+?-----END \1-----/;
const EC_ALGORITHMS: Record<string, string> = { prime256v1: 'ES256', secp384r1: 'ES384', secp521r1: 'ES512' };

/**
 * Reads PEM text holding a private key (PKCS#8, PKCS#1 RSA, SEC1 EC; encrypted or not) and one
 * or more certificates. The leaf is the certificate whose public key matches the private key
 * (the first one when the key is encrypted and so cannot be compared before core decrypts it).
 */
export function parsePemCertificate(pem: string): PemCertificate {
  const { keyPem, encrypted } = findPrivateKey(pem);
  const certificates = [...pem.matchAll(CERTIFICATE)].map((m) => m[0]);
  if (certificates.length === 0) throw invalid('holds no certificate ("BEGIN CERTIFICATE")');
  const { X509Certificate } = nodeCrypto();
  const parsed = certificates.map((c, i) => {
    try {
      return new X509Certificate(c);
    } catch (error) {
      throw invalid(`certificate ${i + 1} cannot be read: ${(error as Error).message}`);
    }
  });

  let privateKey = keyPem;
  let leafIndex = 0;
  if (!encrypted) {
    const key = readKey(() => nodeCrypto().createPrivateKey(keyPem));
    leafIndex = parsed.findIndex((c) => c.checkPrivateKey(key));
    if (leafIndex === -1) throw invalid('has no certificate for its private key');
    // Core imports PKCS#8 only: PKCS#1 and SEC1 keys are converted here.
    privateKey = key.export({ format: 'pem', type: 'pkcs8' }) as string;
  }
  const leaf = parsed[leafIndex]!;
  const chain = [certificates[leafIndex]!, ...certificates.filter((_, i) => i !== leafIndex)].join('\n');
  return {
    privateKey,
    encrypted,
    thumbprint: leaf.fingerprint.replace(/:/g, '').toLowerCase(),
    thumbprintSha256: leaf.fingerprint256.replace(/:/g, '').toLowerCase(),
    chain,
    algorithm: (rsa) => {
      const publicKey = leaf.publicKey;
      if (publicKey.asymmetricKeyType !== 'ec') return rsa;
      const curve = publicKey.asymmetricKeyDetails?.namedCurve ?? '';
      const alg = EC_ALGORITHMS[curve];
      if (!alg) throw invalid(`uses the elliptic curve "${curve}", which JWS cannot sign with`);
      return alg;
    },
  };
}

/** The private key of a PEM text, and whether it is encrypted. */
function findPrivateKey(pem: string): { keyPem: string; encrypted: boolean } {
  const keyMatch = PRIVATE_KEY.exec(pem);
  if (!keyMatch) throw invalid('holds no private key ("BEGIN PRIVATE KEY" or "BEGIN RSA PRIVATE KEY")');
  const keyPem = keyMatch[0];
  // PKCS#8 "ENCRYPTED PRIVATE KEY", or a legacy PEM with "Proc-Type: 4,ENCRYPTED".
  return { keyPem, encrypted: keyMatch[1] === 'ENCRYPTED PRIVATE KEY' || /Proc-Type:\s*4,ENCRYPTED/i.test(keyPem) };
}

/** Whether PEM text holds a certificate (else it is a bare key, see parsePemKey). */
export function hasCertificate(pem: string): boolean {
  return /-----BEGIN CERTIFICATE-----/.test(pem);
}

/**
 * A PEM private key without a certificate (PKCS#8, PKCS#1, SEC1), in the form core imports: PKCS#8,
 * or the PEM as given when encrypted (core decrypts it with `decryptPrivateKey`).
 */
export function parsePemKey(pem: string): { privateKey: string; encrypted: boolean } {
  const { keyPem, encrypted } = findPrivateKey(pem);
  if (encrypted) return { privateKey: keyPem, encrypted };
  return { privateKey: readKey(() => nodeCrypto().createPrivateKey(keyPem)).export({ format: 'pem', type: 'pkcs8' }) as string, encrypted };
}

/**
 * Decrypts a passphrase-protected PEM private key with node:crypto into PKCS#8 PEM: the
 * `decryptPrivateKey` hook of core's ConfidentialClientOptions.
 */
export const decryptPrivateKey: PrivateKeyDecryptor = async (pem, passphrase) => {
  if (!passphrase) throw new ConfigurationError('The private key is encrypted: set `certificatePassword`', 'invalid_certificate');
  const key = readKey(() => nodeCrypto().createPrivateKey({ key: pem, format: 'pem', passphrase }), 'is the certificate password right?');
  return key.export({ format: 'pem', type: 'pkcs8' }) as string;
};

function readKey<T>(read: () => T, hint?: string): T {
  try {
    return read();
  } catch (error) {
    // Node's message names the failing step (bad decrypt, unsupported); it never contains key material.
    throw invalid(`private key cannot be read (${(error as Error).message})${hint ? `; ${hint}` : ''}`);
  }
}

function invalid(what: string): ConfigurationError {
  return new ConfigurationError(`The certificate PEM ${what}`, 'invalid_certificate');
}
