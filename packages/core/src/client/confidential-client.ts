import { ConfigurationError } from '../errors.js';
import { type ClientCredentialsOptions, acquireTokenForClient } from '../flows/client-credentials.js';
import { type OnBehalfOfOptions, acquireTokenOnBehalfOf } from '../flows/on-behalf-of.js';
import type { AuthenticationResult } from '../results.js';
import { imdsRegionDetector, resolveRegion } from '../authority/region.js';
import { FetchHttpClient, type HttpClient } from '../http/http-client.js';
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
   * token endpoint (e.g. "westus2"), or `"TryAutoDetect"` to detect the region as MSAL does:
   * `environmentRegion` first, else Azure's Instance Metadata Service (IMDS, asked once per client
   * with a 2 s limit). No region found, or the regional endpoint unreachable: the global endpoint.
   */
  azureRegion?: string;
  /**
   * The region the environment names, for `azureRegion: "TryAutoDetect"` (MSAL reads `REGION_NAME`;
   * @tessera/node's NodeConfidentialClientApplication passes it in). When set, IMDS is not asked.
   */
  environmentRegion?: string;
  /**
   * Where `TryAutoDetect` asks IMDS for the region (default `IMDS_REGION_ENDPOINT`,
   * http://169.254.169.254/metadata/instance/compute/location): for tests and IMDS proxies.
   */
  imdsEndpoint?: string;
  /**
   * The transport `TryAutoDetect` asks IMDS with (default `httpClient`). IMDS is link-local and not
   * supported behind a proxy: @tessera/node passes a direct one.
   */
  imdsHttpClient?: HttpClient;
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
    const log = this.context.log;
    if (options.azureRegion && !region) log.log('warning', `The environment's region (REGION_NAME) "${options.environmentRegion}" is not a region name; using the global token endpoint`);
    // IMDS is asked with the bare transport: one attempt with its own short limit, no retries.
    this.context.azureRegion =
      region === 'detect' ? imdsRegionDetector(options.imdsHttpClient ?? options.httpClient ?? new FetchHttpClient(), options.imdsEndpoint, log) : region ? () => Promise.resolve(region) : undefined;
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
