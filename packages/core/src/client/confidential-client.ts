import { ConfigurationError } from '../errors.js';
import { type ClientCredentialsOptions, acquireTokenForClient } from '../flows/client-credentials.js';
import { type OnBehalfOfOptions, acquireTokenOnBehalfOf } from '../flows/on-behalf-of.js';
import type { AuthenticationResult } from '../results.js';
import { resolveRegion } from '../authority/region.js';
import { ClientApplication, type ClientApplicationOptions } from './client-application.js';
import { type ClientAuthMethod, type ClientCredential, type PrivateKeyDecryptor, clientAuthenticator } from './client-credential.js';

/** Options of {@link ConfidentialClientApplication}. */
export interface ConfidentialClientOptions extends ClientApplicationOptions {
  /** A secret, a certificate or bare private key (PEM, JWK, CryptoKey), or a client assertion. */
  clientCredential: ClientCredential;
  /**
   * The token endpoint authentication method the client is registered with. Default: a key signs
   * `private_key_jwt`; a secret goes as `client_secret_basic`, or `client_secret_post` /
   * `client_secret_jwt` when the provider's `token_endpoint_auth_methods_supported` lists that
   * first or only (Entra lists post first: the secret goes in the body).
   */
  clientAuthMethod?: ClientAuthMethod;
  /**
   * Microsoft Entra only, app-only tokens (acquireTokenForClient): send them to this region's
   * token endpoint (e.g. "westus2"), or `"TryAutoDetect"` to take the region from
   * `environmentRegion`. No region found, or the regional endpoint unreachable: the global endpoint.
   */
  azureRegion?: string;
  /**
   * The region the environment names, for `azureRegion: "TryAutoDetect"` (MSAL reads `REGION_NAME`;
   * @tessera/node's NodeConfidentialClientApplication passes it in). Detection through IMDS is not done.
   */
  environmentRegion?: string;
  /** Extra claims signed into client assertions. */
  clientClaims?: Record<string, unknown>;
  /** Decrypts passphrase-protected PEM keys (provided by @tessera/node). */
  decryptPrivateKey?: PrivateKeyDecryptor;
}

/** Apps that can keep a secret: web apps, APIs, daemons. */
export class ConfidentialClientApplication extends ClientApplication {
  constructor(options: ConfidentialClientOptions) {
    if (!options?.clientCredential) {
      throw new ConfigurationError('A confidential client needs `clientCredential`: a secret, a certificate or an assertion');
    }
    super(options, clientAuthenticator(options.clientId, options.clientCredential, options));
    const credential = options.clientCredential;
    if (this.authority.kind === 'entra' && typeof credential === 'object' && 'privateKey' in credential && !credential.thumbprint && !credential.thumbprintSha256) {
      // Entra finds the key by its certificate (x5t#S256 / x5t), never by kid.
      throw new ConfigurationError('private_key_jwt on Microsoft Entra needs the certificate\'s `thumbprintSha256` (or `thumbprint`): Entra identifies the key by its certificate, not by a bare key\'s kid');
    }
    if (options.azureRegion && this.authority.kind !== 'entra') {
      throw new ConfigurationError('`azureRegion` is for Microsoft Entra authorities; this authority is a generic OpenID Connect issuer');
    }
    const region = resolveRegion(options.azureRegion, options.environmentRegion);
    if (options.azureRegion && !region) this.context.log.log('warning', 'No Azure region found in the environment (REGION_NAME); using the global token endpoint');
    this.context.azureRegion = region;
  }

  /** App-only token. Cache first; 100 concurrent identical calls make one request. */
  acquireTokenForClient(options: ClientCredentialsOptions): Promise<AuthenticationResult> {
    return this.call(options, (ctx) => acquireTokenForClient(ctx, this.authorityFor(options), options));
  }

  /** Exchanges the caller's token for one to a downstream API. */
  acquireTokenOnBehalfOf(options: OnBehalfOfOptions): Promise<AuthenticationResult> {
    return this.call(options, (ctx) => acquireTokenOnBehalfOf(ctx, this.authorityFor(options), options));
  }
}
