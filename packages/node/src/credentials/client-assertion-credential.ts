import { ConfigurationError } from '@tessera/core';
import type { TokenCredentialOptions } from './options.js';
import { type ClientAuthenticationOptions, ServicePrincipalCredential } from './service-principal-credential.js';

/** Options of ClientAssertionCredential: those every credential takes. */
export type ClientAssertionCredentialOptions = TokenCredentialOptions;

/**
 * A service principal that proves itself with a signed assertion from elsewhere (workload identity
 * federation, a key in an HSM). `getAssertion` runs for every token request, so it can return a fresh one.
 */
export class ClientAssertionCredential extends ServicePrincipalCredential {
  protected readonly credentialName: string = 'ClientAssertionCredential';
  private readonly getAssertion: () => Promise<string>;

  constructor(tenantId: string, clientId: string, getAssertion: () => Promise<string>, options: ClientAssertionCredentialOptions = {}) {
    super(tenantId, clientId, options);
    if (typeof getAssertion !== 'function') throw new ConfigurationError('ClientAssertionCredential needs a `getAssertion` function');
    this.getAssertion = getAssertion;
  }

  protected clientAuthentication(): ClientAuthenticationOptions {
    return { clientCredential: { clientAssertion: () => this.getAssertion() } };
  }
}
