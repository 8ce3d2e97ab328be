import { ConfigurationError } from '@tessera/core';
import type { TokenCredentialOptions } from './options.js';
import { type ClientAuthenticationOptions, ServicePrincipalCredential } from './service-principal-credential.js';

/** Options of ClientSecretCredential: those every credential takes. */
export type ClientSecretCredentialOptions = TokenCredentialOptions;

/**
 * A service principal (app registration) with a client secret.
 * With `authority` set to a generic OpenID Connect issuer, `tenantId` is ignored (pass "").
 */
export class ClientSecretCredential extends ServicePrincipalCredential {
  protected readonly credentialName = 'ClientSecretCredential';
  private readonly clientSecret: string;

  constructor(tenantId: string, clientId: string, clientSecret: string, options: ClientSecretCredentialOptions = {}) {
    super(tenantId, clientId, options);
    if (!clientSecret) throw new ConfigurationError('ClientSecretCredential needs a client secret');
    this.clientSecret = clientSecret;
  }

  protected clientAuthentication(): ClientAuthenticationOptions {
    return { clientCredential: { clientSecret: this.clientSecret } };
  }
}
