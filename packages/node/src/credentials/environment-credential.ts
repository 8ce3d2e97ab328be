import { ClientCertificateCredential } from './client-certificate-credential.js';
import { ClientSecretCredential } from './client-secret-credential.js';
import { asyncDispose } from './credential-base.js';
import { envVar } from './env.js';
import { CredentialUnavailableError } from './errors.js';
import type { TokenCredentialOptions } from './options.js';
import type { AccessToken, GetTokenOptions, TokenCredential } from './token-credential.js';
import { UsernamePasswordCredential } from './username-password-credential.js';

/** Options of EnvironmentCredential: transport, cache and logging; the identity comes from the environment. */
export type EnvironmentCredentialOptions = TokenCredentialOptions;

/** The variables EnvironmentCredential reads. */
export const ENVIRONMENT_CREDENTIAL_VARIABLES = [
  'AZURE_TENANT_ID',
  'AZURE_CLIENT_ID',
  'AZURE_CLIENT_SECRET',
  'AZURE_CLIENT_CERTIFICATE_PATH',
  'AZURE_CLIENT_CERTIFICATE_PASSWORD',
  'AZURE_CLIENT_SEND_CERTIFICATE_CHAIN',
  'AZURE_USERNAME',
  'AZURE_PASSWORD',
  'AZURE_AUTHORITY_HOST',
  'AZURE_ADDITIONALLY_ALLOWED_TENANTS',
] as const;

type Inner = ClientSecretCredential | ClientCertificateCredential | UsernamePasswordCredential;

/**
 * A service principal or user described by environment variables, read once at construction, in
 * @azure/identity's precedence (with `AZURE_TENANT_ID` and `AZURE_CLIENT_ID`):
 * 1. `AZURE_CLIENT_SECRET`: ClientSecretCredential;
 * 2. `AZURE_CLIENT_CERTIFICATE_PATH` (+ `AZURE_CLIENT_CERTIFICATE_PASSWORD`,
 *    `AZURE_CLIENT_SEND_CERTIFICATE_CHAIN` = `true`/`1`): ClientCertificateCredential (PEM);
 * 3. `AZURE_USERNAME` + `AZURE_PASSWORD`: UsernamePasswordCredential (deprecated grant).
 *
 * `AZURE_AUTHORITY_HOST` selects the cloud and `AZURE_ADDITIONALLY_ALLOWED_TENANTS` (`;`-separated,
 * `*` for any) the other tenants getToken may ask for. Without a complete set, getToken throws
 * CredentialUnavailableError naming the missing variables (a chain moves on); once configured,
 * a refusal (wrong secret) is the authority's error and ends a chain. Values are read by envVar:
 * empty or blank is unset, surrounding whitespace (a trailing line break) is dropped.
 *
 * @example
 * ```ts
 * // AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET are set
 * const credential = new EnvironmentCredential();
 * const { token } = await credential.getToken('https://graph.microsoft.com/.default');
 * ```
 */
export class EnvironmentCredential implements TokenCredential {
  /** Shown in log lines and errors. */
  readonly credentialName = 'EnvironmentCredential';
  private readonly inner?: Inner;
  private readonly unavailable?: string;

  constructor(options: EnvironmentCredentialOptions = {}) {
    const value = (name: (typeof ENVIRONMENT_CREDENTIAL_VARIABLES)[number]) => envVar(name);
    const tenantId = value('AZURE_TENANT_ID');
    const clientId = value('AZURE_CLIENT_ID');
    const allowed = value('AZURE_ADDITIONALLY_ALLOWED_TENANTS')
      ?.split(';')
      .map((t) => t.trim())
      .filter(Boolean);
    const inner: EnvironmentCredentialOptions = { ...options, ...(allowed ? { additionallyAllowedTenants: allowed } : {}) };
    // AZURE_AUTHORITY_HOST is read by the inner credential when `authorityHost` is not given.

    const missing = [...(tenantId ? [] : ['AZURE_TENANT_ID']), ...(clientId ? [] : ['AZURE_CLIENT_ID'])];
    const secret = value('AZURE_CLIENT_SECRET');
    const certificatePath = value('AZURE_CLIENT_CERTIFICATE_PATH');
    const username = value('AZURE_USERNAME');
    const password = value('AZURE_PASSWORD');
    if (!secret && !certificatePath && !(username && password)) {
      const userPart = username ? 'AZURE_PASSWORD' : password ? 'AZURE_USERNAME' : 'AZURE_USERNAME + AZURE_PASSWORD';
      missing.push(`one of AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH or ${userPart}`);
    }
    if (missing.length > 0) {
      this.unavailable =
        `EnvironmentCredential is unavailable: missing ${missing.join(', ')}. Set AZURE_TENANT_ID, AZURE_CLIENT_ID and a client secret, ` +
        'a certificate path, or a username and password. See https://aka.ms/azsdk/js/identity/environmentcredential/troubleshoot';
      return;
    }
    if (secret) {
      this.inner = new ClientSecretCredential(tenantId!, clientId!, secret, inner);
    } else if (certificatePath) {
      const chain = (value('AZURE_CLIENT_SEND_CERTIFICATE_CHAIN') ?? '').toLowerCase();
      this.inner = new ClientCertificateCredential(
        tenantId!,
        clientId!,
        { certificatePath, certificatePassword: value('AZURE_CLIENT_CERTIFICATE_PASSWORD') },
        { ...inner, sendCertificateChain: chain === 'true' || chain === '1' },
      );
    } else {
      this.inner = new UsernamePasswordCredential(tenantId!, clientId!, username!, password!, inner);
    }
  }

  /** Which credential the environment configured ("ClientSecretCredential", ...); undefined when none. */
  get selectedCredentialName(): string | undefined {
    return this.inner ? (this.inner as unknown as { credentialName: string }).credentialName : undefined;
  }

  /** A token from the configured credential; CredentialUnavailableError when the environment configures none. */
  async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken> {
    if (!this.inner) throw new CredentialUnavailableError(this.unavailable!, { code: 'credential_unavailable' });
    return this.inner.getToken(scopes, options);
  }

  /** Releases the transport; later getToken calls fail. */
  async close(): Promise<void> {
    await this.inner?.close();
  }

  /** `await using` support: the same as close(). */
  [asyncDispose](): Promise<void> {
    return this.close();
  }
}
