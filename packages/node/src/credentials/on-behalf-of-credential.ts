import { type AuthenticationResult, ConfigurationError, type ConfidentialClientApplication } from '@tessera/core';
import { CertificateAuthentication } from './client-certificate-credential.js';
import type { CredentialRequest } from './credential-base.js';
import type { TokenCredentialOptions } from './options.js';
import { type ClientAuthenticationOptions, ServicePrincipalCredential } from './service-principal-credential.js';

/** What every OnBehalfOfCredential needs, besides the way the middle-tier app authenticates. */
interface OnBehalfOfCommonOptions extends TokenCredentialOptions {
  /** Entra tenant of the middle-tier app (ignored with a generic OpenID Connect `authority`: pass ""). */
  tenantId: string;
  /** Client id of the middle-tier app. */
  clientId: string;
  /** The access token the middle-tier API received from its caller (its `Authorization: Bearer` value). */
  userAssertionToken: string;
}

/** OnBehalfOfCredential for an app with a client secret. */
export interface OnBehalfOfCredentialSecretOptions extends OnBehalfOfCommonOptions {
  /** The app's client secret. */
  clientSecret: string;
}

/** OnBehalfOfCredential for an app with a certificate: a PEM file (or the PEM text) with the private key and certificate(s). */
export interface OnBehalfOfCredentialCertificateOptions extends OnBehalfOfCommonOptions {
  /** Path of the PEM file. */
  certificatePath?: string;
  /** The PEM text itself, instead of `certificatePath`. */
  certificate?: string;
  /** Passphrase of an encrypted private key. */
  certificatePassword?: string;
  /** Send the certificate chain (x5c) for subject-name/issuer authentication. */
  sendCertificateChain?: boolean;
}

/** OnBehalfOfCredential for an app that proves itself with a signed assertion from elsewhere (a managed identity, an HSM). */
export interface OnBehalfOfCredentialAssertionOptions extends OnBehalfOfCommonOptions {
  /** Returns a client assertion (JWT); runs for each token request. */
  getAssertion: () => Promise<string>;
}

/** Options of OnBehalfOfCredential: exactly one of `clientSecret`, `certificatePath` / `certificate`, `getAssertion`. */
export type OnBehalfOfCredentialOptions = OnBehalfOfCredentialSecretOptions | OnBehalfOfCredentialCertificateOptions | OnBehalfOfCredentialAssertionOptions;

/**
 * A middle-tier API calling a downstream API as its caller (OAuth 2.0 on-behalf-of, the jwt-bearer
 * grant with `requested_token_use=on_behalf_of`): exchanges `userAssertionToken` for a token to the
 * downstream scopes through core's on-behalf-of flow. Tokens are cached under a hash of the user's
 * token (never the token itself), refreshed with the refresh token when one was issued, and
 * concurrent identical requests make one exchange. Create one credential per incoming request.
 *
 * @example
 * ```ts
 * const credential = new OnBehalfOfCredential({ tenantId, clientId, clientSecret, userAssertionToken: incomingBearerToken });
 * const { token } = await credential.getToken('https://graph.microsoft.com/.default');
 * ```
 */
export class OnBehalfOfCredential extends ServicePrincipalCredential {
  protected readonly credentialName = 'OnBehalfOfCredential';
  private readonly userAssertion: string;
  private readonly authentication: () => ClientAuthenticationOptions | Promise<ClientAuthenticationOptions>;

  constructor(options: OnBehalfOfCredentialOptions) {
    const { tenantId, clientId, userAssertionToken, ...rest } = options as Partial<OnBehalfOfCredentialSecretOptions & OnBehalfOfCredentialCertificateOptions & OnBehalfOfCredentialAssertionOptions>;
    const { clientSecret, certificatePath, certificate, certificatePassword, sendCertificateChain, getAssertion, ...common } = rest;
    super(tenantId ?? '', clientId ?? '', common);
    if (!userAssertionToken) throw new ConfigurationError('OnBehalfOfCredential needs `userAssertionToken`: the access token your API received');
    const given = [clientSecret && 'clientSecret', (certificatePath || certificate) && 'certificatePath', getAssertion && 'getAssertion'].filter(Boolean);
    if (given.length !== 1) {
      throw new ConfigurationError(
        `OnBehalfOfCredential needs exactly one of \`clientSecret\`, \`certificatePath\` (or \`certificate\`), \`getAssertion\`${given.length ? `; got ${given.join(', ')}` : ''}`,
      );
    }
    this.userAssertion = userAssertionToken;
    if (clientSecret) {
      this.authentication = () => ({ clientCredential: { clientSecret } });
    } else if (getAssertion) {
      if (typeof getAssertion !== 'function') throw new ConfigurationError('OnBehalfOfCredential: `getAssertion` must be a function');
      this.authentication = () => ({ clientCredential: { clientAssertion: () => getAssertion() } });
    } else {
      const source = certificate ? { certificate, certificatePassword } : { certificatePath: certificatePath!, certificatePassword };
      const loader = new CertificateAuthentication(this.credentialName, source, { sendCertificateChain });
      this.authentication = () => loader.load(this.authority.entra);
    }
  }

  protected clientAuthentication(): ClientAuthenticationOptions | Promise<ClientAuthenticationOptions> {
    return this.authentication();
  }

  protected override acquire(app: ConfidentialClientApplication, request: CredentialRequest): Promise<AuthenticationResult> {
    return app.acquireTokenOnBehalfOf({ scopes: request.scopes, userAssertion: this.userAssertion, claims: request.claims, tenant: request.tenant, signal: request.signal });
  }
}
