import { type AuthenticationResult, type ClientApplicationOptions, ConfigurationError, PublicClientApplication } from '@tessera/core';
import type { CredentialRequest } from './credential-base.js';
import type { TokenCredentialOptions } from './options.js';
import { UserCredential } from './user-credential.js';

/** Options of UsernamePasswordCredential. */
export type UsernamePasswordCredentialOptions = TokenCredentialOptions;

/**
 * A user's name and password sent to the authority (the resource owner password grant), as
 * @azure/identity's deprecated credential of the same name: it cannot satisfy MFA and Microsoft
 * is retiring it. Prefer an interactive or device code sign-in. Later tokens come from the cache
 * and the refresh token; the password is sent again only when they cannot.
 *
 * @example
 * ```ts
 * const credential = new UsernamePasswordCredential('<tenant>', '<client id>', 'user@contoso.com', password);
 * ```
 */
export class UsernamePasswordCredential extends UserCredential<PublicClientApplication> {
  protected readonly credentialName = 'UsernamePasswordCredential';
  private readonly username: string;
  private readonly password: string;

  constructor(tenantId: string, clientId: string, username: string, password: string, options: UsernamePasswordCredentialOptions = {}) {
    super(clientId, tenantId, options);
    if (!username || !password) throw new ConfigurationError('UsernamePasswordCredential needs a username and a password');
    this.username = username;
    this.password = password;
  }

  protected createApp(options: ClientApplicationOptions): PublicClientApplication {
    return new PublicClientApplication(options);
  }

  protected interact(app: PublicClientApplication, request: CredentialRequest): Promise<AuthenticationResult> {
    const { scopes, claims, tenant, signal } = request;
    return app.acquireTokenByUsernamePassword({ scopes, claims, tenant, signal, username: this.username, password: this.password });
  }
}
