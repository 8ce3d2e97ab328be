import { type AuthenticationResult, type ClientApplicationOptions, ConfigurationError, PublicClientApplication } from '@tessera/core';
import { acquireTokenInteractive } from '../interactive/acquire-token-interactive.js';
import type { CredentialRequest } from './credential-base.js';
import { DEVELOPER_SIGN_ON_CLIENT_ID, checkDefaultClientId } from './defaults.js';
import { InteractiveCredential, type InteractiveCredentialOptions } from './user-credential.js';

export interface InteractiveBrowserCredentialOptions extends InteractiveCredentialOptions {
  /** Default "organizations" on Entra; ignored for a generic OpenID Connect `authority`. */
  tenantId?: string;
  /** Default: the Azure CLI's client id (Entra only). */
  clientId?: string;
  /**
   * The loopback redirect URI registered for the app, to pin its port: `http://localhost:<port>`
   * on Entra, `http://127.0.0.1:<port>` elsewhere (RFC 8252). Default: any free port.
   */
  redirectUri?: string;
  /** Pre-fills the user name on the sign-in page. */
  loginHint?: string;
  /** HTML the browser shows after the sign-in succeeded or failed. */
  browserCustomizationOptions?: {
    /** Shown in the browser after a successful sign-in. */
    successMessage?: string;
    /** Shown in the browser after a failed sign-in. */
    errorMessage?: string;
  };
  /**
   * Shows the sign-in page; default the system browser. For tests, kiosks, or printing the URL. It gets a
   * one-time loopback URL that forwards to the provider (see `acquireTokenInteractive`).
   */
  openBrowser?: (url: string) => void | Promise<void>;
}

/** Signs a user in through the browser with a loopback redirect (auth code + PKCE). */
export class InteractiveBrowserCredential extends InteractiveCredential<PublicClientApplication> {
  protected readonly credentialName = 'InteractiveBrowserCredential';
  private readonly port?: number;
  private readonly browserOptions: InteractiveBrowserCredentialOptions;

  constructor(options: InteractiveBrowserCredentialOptions = {}) {
    super(options.clientId ?? DEVELOPER_SIGN_ON_CLIENT_ID, options.tenantId, options);
    checkDefaultClientId(this.credentialName, options.clientId, this.authority);
    this.browserOptions = options;
    this.port = options.redirectUri ? loopbackPort(options.redirectUri, this.authority.entra ? 'localhost' : '127.0.0.1') : undefined;
  }

  protected createApp(options: ClientApplicationOptions): PublicClientApplication {
    return new PublicClientApplication(options);
  }

  protected interact(app: PublicClientApplication, request: CredentialRequest): Promise<AuthenticationResult> {
    const { loginHint, browserCustomizationOptions: pages, openBrowser } = this.browserOptions;
    return acquireTokenInteractive(app, {
      scopes: request.scopes,
      claims: request.claims,
      tenant: request.tenant,
      signal: request.signal,
      port: this.port,
      loginHint: loginHint ?? this.account?.username,
      successPage: pages?.successMessage,
      failurePage: pages?.errorMessage,
      openBrowser,
    });
  }
}

/** The port of a loopback redirect URI; the helper always listens at `http://<host>:<port>/`. */
function loopbackPort(redirectUri: string, host: string): number | undefined {
  let url: URL;
  try {
    url = new URL(redirectUri);
  } catch {
    throw new ConfigurationError(`redirectUri "${redirectUri}" is not a URL`);
  }
  if (url.protocol !== 'http:' || url.hostname !== host || (url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) {
    throw new ConfigurationError(`redirectUri must be a loopback URI of the form http://${host}:<port>/ (got "${redirectUri}")`);
  }
  return url.port ? Number(url.port) : undefined;
}
