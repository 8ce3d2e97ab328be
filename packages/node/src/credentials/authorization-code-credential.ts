import {
  type AuthenticationResult,
  type ClientApplication,
  type ClientApplicationOptions,
  ConfidentialClientApplication,
  ConfigurationError,
  PublicClientApplication,
  ServerError,
} from '@tessera/core';
import type { CredentialRequest } from './credential-base.js';
import { AuthenticationRequiredError } from './errors.js';
import type { TokenCredentialOptions } from './options.js';
import { UserCredential } from './user-credential.js';

export interface AuthorizationCodeCredentialOptions extends TokenCredentialOptions {
  /** The PKCE verifier, when the authorization request carried a code_challenge (public clients). */
  codeVerifier?: string;
}

/**
 * Redeems an authorization code the application obtained itself (e.g. in a web app's redirect
 * handler), on the first getToken; later calls are served from the cache or the refresh token,
 * and so are calls for other scopes made while the code is being redeemed (they wait for it).
 * A code can be redeemed once: when no refresh token can renew the token any more, getToken
 * throws AuthenticationRequiredError and a new credential with a new code is needed. That also
 * applies to a first `enableCae` request after non-CAE ones (their tokens are cached apart).
 */
export class AuthorizationCodeCredential extends UserCredential<ClientApplication> {
  protected readonly credentialName = 'AuthorizationCodeCredential';
  private readonly clientSecret?: string;
  private readonly redirectUri: string;
  private readonly codeVerifier?: string;
  private code?: string;
  /** The code's redemption while it runs: requests that come meanwhile wait for its refresh token. */
  private redeeming?: Promise<AuthenticationResult>;

  /** A web app (confidential client) with a secret. */
  constructor(tenantId: string, clientId: string, clientSecret: string, authorizationCode: string, redirectUri: string, options?: AuthorizationCodeCredentialOptions);
  /** A public client (no secret). */
  constructor(tenantId: string, clientId: string, authorizationCode: string, redirectUri: string, options?: AuthorizationCodeCredentialOptions);
  constructor(
    tenantId: string,
    clientId: string,
    secretOrCode: string,
    codeOrRedirectUri: string,
    redirectUriOrOptions?: string | AuthorizationCodeCredentialOptions,
    maybeOptions?: AuthorizationCodeCredentialOptions,
  ) {
    const withSecret = typeof redirectUriOrOptions === 'string';
    const options = (withSecret ? maybeOptions : redirectUriOrOptions) ?? {};
    super(clientId, tenantId, options);
    this.clientSecret = withSecret ? secretOrCode : undefined;
    this.code = withSecret ? codeOrRedirectUri : secretOrCode;
    this.redirectUri = withSecret ? redirectUriOrOptions : codeOrRedirectUri;
    this.codeVerifier = options.codeVerifier;
    if (withSecret && !this.clientSecret) throw new ConfigurationError('AuthorizationCodeCredential: the client secret is empty');
    if (!this.code) throw new ConfigurationError('AuthorizationCodeCredential needs an authorization code');
    if (!this.redirectUri) throw new ConfigurationError('AuthorizationCodeCredential needs the redirect URI the code was issued for');
  }

  protected createApp(options: ClientApplicationOptions): ClientApplication {
    return this.clientSecret
      ? new ConfidentialClientApplication({ ...options, clientCredential: { clientSecret: this.clientSecret } })
      : new PublicClientApplication(options);
  }

  protected async interact(app: ClientApplication, request: CredentialRequest): Promise<AuthenticationResult> {
    // Another request (other scopes) is redeeming the code: once it has, the account's refresh
    // token serves this one; if it failed without an answer the code is back, to be tried here.
    while (this.redeeming) {
      const redeemed = await this.redeeming.catch(() => undefined);
      if (redeemed?.account) return app.acquireTokenSilent({ account: redeemed.account, scopes: request.scopes, claims: request.claims, tenant: request.tenant, signal: request.signal });
    }
    const code = this.code;
    if (!code) {
      throw new AuthenticationRequiredError(
        'The authorization code was already redeemed and no cached token or refresh token fits this request; obtain a new authorization code',
        request.scopes,
      );
    }
    this.code = undefined;
    const redeeming = app.acquireTokenByCode(code, {
      scopes: request.scopes,
      redirectUri: this.redirectUri,
      codeVerifier: this.codeVerifier,
      claims: request.claims,
      tenant: request.tenant,
      signal: request.signal,
    });
    this.redeeming = redeeming;
    try {
      return await redeeming;
    } catch (error) {
      // A code the server rejected is spent; one that never got an answer (network, abort) may be retried.
      if (!(error instanceof ServerError)) this.code = code;
      throw error;
    } finally {
      this.redeeming = undefined;
    }
  }
}
