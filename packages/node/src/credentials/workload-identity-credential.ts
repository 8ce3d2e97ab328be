import { readFile, stat } from 'node:fs/promises';
import { ClientAssertionCredential } from './client-assertion-credential.js';
import { asyncDispose } from './credential-base.js';
import { envVar } from './env.js';
import { CredentialUnavailableError } from './errors.js';
import type { TokenCredentialOptions } from './options.js';
import type { AccessToken, GetTokenOptions, TokenCredential } from './token-credential.js';

/** Options of WorkloadIdentityCredential; each id falls back to its environment variable. */
export interface WorkloadIdentityCredentialOptions extends TokenCredentialOptions {
  /** Entra tenant of the application. Default: `AZURE_TENANT_ID`. */
  tenantId?: string;
  /** Client id of the application (or user-assigned identity) trusting the federated token. Default: `AZURE_CLIENT_ID`. */
  clientId?: string;
  /** File holding the federated token (Kubernetes projects it). Default: `AZURE_FEDERATED_TOKEN_FILE`. */
  tokenFilePath?: string;
}

/** A token file is re-read at least this often, and at once when its modification time changes. */
const REREAD_AFTER_MS = 5 * 60_000;

/** The federated token of a file that the platform rotates (Kubernetes renews it before it expires). */
class FederatedTokenFile {
  private cached?: { token: string; mtimeMs: number; readAt: number };
  constructor(private readonly path: string) {}

  async read(): Promise<string> {
    try {
      const { mtimeMs } = await stat(this.path);
      const c = this.cached;
      if (c && c.mtimeMs === mtimeMs && Date.now() - c.readAt < REREAD_AFTER_MS) return c.token;
      const token = (await readFile(this.path, 'utf8')).trim();
      if (!token) throw new CredentialUnavailableError(`WorkloadIdentityCredential: the federated token file ${this.path} is empty`);
      this.cached = { token, mtimeMs, readAt: Date.now() };
      return token;
    } catch (error) {
      if (error instanceof CredentialUnavailableError) throw error;
      throw new CredentialUnavailableError(`WorkloadIdentityCredential: cannot read the federated token file ${this.path}: ${(error as Error).message}`, { cause: error });
    }
  }
}

/** ClientAssertionCredential under the name users configured, for logs and errors. */
class FederatedCredential extends ClientAssertionCredential {
  protected override readonly credentialName = 'WorkloadIdentityCredential';
}

/**
 * Microsoft Entra Workload ID (AKS and any Kubernetes with a federated identity): exchanges the
 * service-account token that the platform writes to `AZURE_FEDERATED_TOKEN_FILE` for an Entra
 * token of `AZURE_CLIENT_ID` in `AZURE_TENANT_ID` (client credentials with a client assertion).
 * The file is re-read when it changes, so rotated tokens are used. Tokens are cached and
 * concurrent requests share one exchange. Without the configuration, getToken throws
 * CredentialUnavailableError (a chain moves on).
 *
 * @example
 * ```ts
 * const credential = new WorkloadIdentityCredential(); // reads the AZURE_* variables AKS sets
 * const { token } = await credential.getToken('https://vault.azure.net/.default');
 * ```
 */
export class WorkloadIdentityCredential implements TokenCredential {
  /** Shown in log lines and errors. */
  readonly credentialName = 'WorkloadIdentityCredential';
  private readonly inner?: ClientAssertionCredential;
  private readonly missing: string[] = [];

  constructor(options: WorkloadIdentityCredentialOptions = {}) {
    const { tenantId = envVar('AZURE_TENANT_ID'), clientId = envVar('AZURE_CLIENT_ID'), tokenFilePath = envVar('AZURE_FEDERATED_TOKEN_FILE'), ...rest } = options;
    if (!tenantId && !rest.authority) this.missing.push('tenantId (AZURE_TENANT_ID)');
    if (!clientId) this.missing.push('clientId (AZURE_CLIENT_ID)');
    if (!tokenFilePath) this.missing.push('tokenFilePath (AZURE_FEDERATED_TOKEN_FILE)');
    if (this.missing.length > 0) return;
    const file = new FederatedTokenFile(tokenFilePath!);
    this.inner = new FederatedCredential(tenantId ?? '', clientId!, () => file.read(), rest);
  }

  /** An Entra access token for the scopes; cached until 5 minutes before it expires. */
  async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken> {
    if (!this.inner) {
      throw new CredentialUnavailableError(
        `WorkloadIdentityCredential: not configured; set ${this.missing.join(', ')} (in the options or the environment). See https://aka.ms/azsdk/js/identity/workloadidentitycredential/troubleshoot`,
      );
    }
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
