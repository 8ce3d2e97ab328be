import { ConfigurationError } from '../errors.js';
import { type ClientCredentialsOptions, acquireTokenForClient } from '../flows/client-credentials.js';
import { type OnBehalfOfOptions, acquireTokenOnBehalfOf } from '../flows/on-behalf-of.js';
import type { AuthenticationResult } from '../results.js';
import { ClientApplication, type ClientApplicationOptions } from './client-application.js';
import { type ClientCredential, type PrivateKeyDecryptor, clientAuthenticator } from './client-credential.js';

/** Options of a confidential client: a client's options plus its credential. */
export interface ConfidentialClientOptions extends ClientApplicationOptions {
  /** How the client authenticates: a secret, a certificate or a client assertion. */
  clientCredential: ClientCredential;
  /** Extra claims signed into certificate assertions. */
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
