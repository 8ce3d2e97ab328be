import { readFile } from 'node:fs/promises';
import { ConfigurationError } from '@tessera/core';
import { decryptPrivateKey, hasCertificate, parsePemCertificate, parsePemKey } from './certificate.js';
import type { TokenCredentialOptions } from './options.js';
import { type ClientAuthenticationOptions, ServicePrincipalCredential } from './service-principal-credential.js';

/** A PEM file path, or the PEM itself: private key plus certificate(s), leaf first. */
export type ClientCertificateSource =
  | string
  | {
      /** The PEM text. */
      certificate: string;
      /** The password of an encrypted private key. */
      certificatePassword?: string;
    }
  | {
      /** The path of the PEM file. */
      certificatePath: string;
      /** The password of an encrypted private key. */
      certificatePassword?: string;
    };

export interface ClientCertificateCredentialOptions extends TokenCredentialOptions {
  /** Send the certificate chain (x5c) for subject-name/issuer authentication. */
  sendCertificateChain?: boolean;
  /** Passphrase of an encrypted private key (also accepted in the certificate object). */
  certificatePassword?: string;
}

/**
 * A service principal that signs its assertion with a certificate's private key.
 * Entra gets the SHA-256 thumbprint (`x5t#S256`) with PS256, as MSAL sends today; other OpenID
 * Connect issuers get the SHA-1 thumbprint (`x5t`) with RS256, which they all support.
 * EC keys sign with ES256/384/512. The PEM file is read on the first getToken. For a generic
 * issuer the PEM may hold the private key alone (a key registered as a JWK): the assertion then
 * carries its `kid` (RFC 7638 thumbprint) and no certificate thumbprint.
 */
export class ClientCertificateCredential extends ServicePrincipalCredential {
  protected readonly credentialName = 'ClientCertificateCredential';
  private readonly certificate: CertificateAuthentication;

  constructor(tenantId: string, clientId: string, certificate: ClientCertificateSource, options: ClientCertificateCredentialOptions = {}) {
    super(tenantId, clientId, options);
    this.certificate = new CertificateAuthentication(this.credentialName, certificate, options);
  }

  protected clientAuthentication(): Promise<ClientAuthenticationOptions> {
    return this.certificate.load(this.authority.entra);
  }
}

/**
 * A certificate (or bare key) as a client credential: checked at construction, read and parsed
 * once on first use for both CAE modes' clients. Shared by the credentials that take certificates.
 */
export class CertificateAuthentication {
  private readonly password?: string;
  private readonly sendChain: boolean;
  private loading?: Promise<ClientAuthenticationOptions>;

  constructor(
    credentialName: string,
    private readonly source: ClientCertificateSource,
    options: Pick<ClientCertificateCredentialOptions, 'sendCertificateChain' | 'certificatePassword'>,
  ) {
    const inline = typeof source === 'object' && 'certificate' in source ? source.certificate : undefined;
    const path = typeof source === 'string' ? source : 'certificatePath' in source ? source.certificatePath : undefined;
    if (!inline && !path) throw new ConfigurationError(`${credentialName} needs \`certificate\` (PEM) or \`certificatePath\``);
    this.password = (typeof source === 'object' ? source.certificatePassword : undefined) ?? options.certificatePassword;
    this.sendChain = options.sendCertificateChain === true;
  }

  /** The client credential for core; a failure is not remembered (the file may be fixed). */
  load(entra: boolean): Promise<ClientAuthenticationOptions> {
    const pending = (this.loading ??= this.read(entra));
    pending.catch(() => (this.loading = undefined));
    return pending;
  }

  private async read(entra: boolean): Promise<ClientAuthenticationOptions> {
    const pem = await this.readPem();
    // A generic OpenID Connect issuer may register the key itself (a JWK): kid, no certificate.
    if (!entra && !hasCertificate(pem)) {
      const key = parsePemKey(pem);
      this.checkPassword(key.encrypted);
      return { clientCredential: { privateKey: key.privateKey, passphrase: key.encrypted ? this.password : undefined }, decryptPrivateKey };
    }
    const parsed = parsePemCertificate(pem);
    this.checkPassword(parsed.encrypted);
    return {
      clientCredential: {
        privateKey: parsed.privateKey,
        passphrase: parsed.encrypted ? this.password : undefined,
        ...(entra ? { thumbprintSha256: parsed.thumbprintSha256 } : { thumbprint: parsed.thumbprint }),
        algorithm: parsed.algorithm(entra ? 'PS256' : 'RS256'),
        publicCertificate: this.sendChain ? parsed.chain : undefined,
      },
      decryptPrivateKey,
    };
  }

  private checkPassword(encrypted: boolean): void {
    if (encrypted && !this.password) {
      throw new ConfigurationError('The certificate\'s private key is encrypted: set `certificatePassword`', 'invalid_certificate');
    }
  }

  private async readPem(): Promise<string> {
    const source = this.source;
    if (typeof source === 'object' && 'certificate' in source) return source.certificate;
    const path = typeof source === 'string' ? source : source.certificatePath;
    try {
      return await readFile(path, 'utf8');
    } catch (error) {
      throw new ConfigurationError(`Cannot read the certificate file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, 'invalid_certificate');
    }
  }
}
