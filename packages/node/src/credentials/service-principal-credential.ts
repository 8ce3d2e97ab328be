import { type AuthenticationResult, type ClientApplicationOptions, ConfidentialClientApplication, type ConfidentialClientOptions } from '@tessera/core';
import { CredentialBase, type CredentialRequest } from './credential-base.js';
import type { TokenCredentialOptions } from './options.js';

/** What a service principal authenticates with: core's client credential and its helpers. */
export type ClientAuthenticationOptions = Pick<ConfidentialClientOptions, 'clientCredential' | 'decryptPrivateKey'>;

/**
 * Base of the app-only credentials (secret, certificate, assertion): the client credentials grant
 * through core, which serves cached tokens and merges concurrent identical requests into one.
 */
export abstract class ServicePrincipalCredential extends CredentialBase<ConfidentialClientApplication> {
  protected constructor(tenantId: string, clientId: string, options: TokenCredentialOptions) {
    super(clientId, tenantId, options);
  }

  /** The client's proof of identity; may read files, so it runs on first use. */
  protected abstract clientAuthentication(): ClientAuthenticationOptions | Promise<ClientAuthenticationOptions>;

  protected async createApp(options: ClientApplicationOptions): Promise<ConfidentialClientApplication> {
    return new ConfidentialClientApplication({ ...options, ...(await this.clientAuthentication()) });
  }

  protected acquire(app: ConfidentialClientApplication, request: CredentialRequest): Promise<AuthenticationResult> {
    return app.acquireTokenForClient({ scopes: request.scopes, claims: request.claims, tenant: request.tenant, signal: request.signal });
  }
}
