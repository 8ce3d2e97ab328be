import { type HttpClient, type HttpResponse, isLoopbackHost, redactor } from '@tessera/core';
import { NodeHttpClient, createNodeHttpClient } from '../http/node-http-client.js';
import { ClientAssertionCredential } from './client-assertion-credential.js';
import { asyncDispose } from './credential-base.js';
import { envVar } from './env.js';
import { AuthenticationError, CredentialUnavailableError } from './errors.js';
import type { TokenCredentialOptions } from './options.js';
import type { ClientAuthenticationOptions } from './service-principal-credential.js';
import type { AccessToken, GetTokenOptions, TokenCredential } from './token-credential.js';

/** Options of AzurePipelinesCredential: those every credential takes, and where to read `SYSTEM_OIDCREQUESTURI`. */
export interface AzurePipelinesCredentialOptions extends TokenCredentialOptions {
  /** Replaces `process.env` as the place `SYSTEM_OIDCREQUESTURI` is read from. */
  environment?: NodeJS.ProcessEnv;
}

const NAME = 'AzurePipelinesCredential';
const OIDC_API_VERSION = '7.1';
const TROUBLESHOOT = 'See https://aka.ms/azsdk/js/identity/azurepipelinescredential/troubleshoot';

/**
 * ClientAssertionCredential under the name users configured, for logs and errors, whose assertion
 * request gets the token request's signal: an abort cancels a request Azure DevOps leaves unanswered.
 */
class PipelinesAssertionCredential extends ClientAssertionCredential {
  protected override readonly credentialName = NAME;

  constructor(tenantId: string, clientId: string, private readonly requestAssertion: (signal?: AbortSignal) => Promise<string>, options: TokenCredentialOptions) {
    super(tenantId, clientId, () => requestAssertion(), options);
  }

  protected override clientAuthentication(): ClientAuthenticationOptions {
    return { clientCredential: { clientAssertion: ({ signal }) => this.requestAssertion(signal) } };
  }
}

/**
 * Azure Pipelines with an Azure Resource Manager service connection using workload identity
 * federation: asks Azure DevOps for the job's OIDC token (`POST $SYSTEM_OIDCREQUESTURI?api-version=7.1&serviceConnectionId=...`
 * with the pipeline's `System.AccessToken` as bearer) and exchanges it at Entra as a client
 * assertion. Tokens are cached, so Azure DevOps is asked only when Entra must be. Missing
 * arguments or `SYSTEM_OIDCREQUESTURI` (not in a pipeline task): CredentialUnavailableError at
 * construction, as in @azure/identity. A refusal from Azure DevOps is an AuthenticationError with
 * the status, its `x-vss-e2eid` / `x-msedge-ref` headers and its message (the access token redacted).
 *
 * @example
 * ```ts
 * const credential = new AzurePipelinesCredential(tenantId, clientId, serviceConnectionId, process.env.SYSTEM_ACCESSTOKEN!);
 * ```
 */
export class AzurePipelinesCredential implements TokenCredential {
  /** Shown in log lines and errors. */
  readonly credentialName = NAME;
  private readonly inner: ClientAssertionCredential;
  private readonly http: HttpClient;
  private readonly ownsHttp: boolean;

  constructor(tenantId: string, clientId: string, serviceConnectionId: string, systemAccessToken: string, options: AzurePipelinesCredentialOptions = {}) {
    const missing = Object.entries({ tenantId, clientId, serviceConnectionId, systemAccessToken }).filter(([, v]) => !v).map(([k]) => k);
    if (missing.length > 0) throw new CredentialUnavailableError(`${NAME}: is unavailable: ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} required. ${TROUBLESHOOT}`);
    const { environment, httpClient, proxy, noProxy, ca, timeoutMs, ...rest } = options;
    const requestUri = envVar('SYSTEM_OIDCREQUESTURI', environment);
    if (!requestUri) {
      throw new CredentialUnavailableError(`${NAME}: is unavailable: SYSTEM_OIDCREQUESTURI is not set; run this in an Azure Pipelines task (AzureCLI@2, AzurePowerShell@5) that defines it. ${TROUBLESHOOT}`);
    }
    const url = oidcRequestUrl(requestUri, serviceConnectionId);
    // One transport for Azure DevOps and Entra; the inner credential leaves it to us to close.
    this.http = createNodeHttpClient({ httpClient, proxy, noProxy, ca, timeoutMs });
    this.ownsHttp = this.http !== httpClient;
    this.inner = new PipelinesAssertionCredential(tenantId, clientId, (signal) => this.requestOidcToken(url, systemAccessToken, signal), { ...rest, httpClient: this.http });
  }

  /** An Entra access token for the scopes, from the cache or by exchanging a new OIDC token. */
  getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken> {
    return this.inner.getToken(scopes, options);
  }

  private async requestOidcToken(url: string, systemAccessToken: string, signal?: AbortSignal): Promise<string> {
    const response = await this.http.send({
      method: 'POST',
      url,
      signal,
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${systemAccessToken}`,
        // Without it Azure DevOps answers a bad token with a redirect to its sign-in page.
        'x-tfs-fedauthredirect': 'Suppress',
      },
    });
    return oidcTokenOf(response, systemAccessToken);
  }

  /** Releases the transport this credential created; later getToken calls fail. */
  async close(): Promise<void> {
    await this.inner.close();
    if (this.ownsHttp && this.http instanceof NodeHttpClient) await this.http.close();
  }

  /** `await using` support: the same as close(). */
  [asyncDispose](): Promise<void> {
    return this.close();
  }
}

function oidcRequestUrl(requestUri: string, serviceConnectionId: string): string {
  let url: URL;
  try {
    url = new URL(requestUri);
  } catch {
    throw new CredentialUnavailableError(`${NAME}: SYSTEM_OIDCREQUESTURI is not a URL`);
  }
  // The pipeline's access token goes with the request: never in clear over the network.
  if (url.protocol !== 'https:' && !isLoopbackHost(url.hostname)) {
    throw new CredentialUnavailableError(`${NAME}: SYSTEM_OIDCREQUESTURI must be an https URL (got ${url.protocol})`);
  }
  url.searchParams.set('api-version', OIDC_API_VERSION);
  url.searchParams.set('serviceConnectionId', serviceConnectionId);
  return url.href;
}

/** The `oidcToken` of Azure DevOps's answer, or an AuthenticationError describing the answer. */
function oidcTokenOf(response: HttpResponse, systemAccessToken: string): string {
  let body: unknown;
  try {
    body = JSON.parse(response.body);
  } catch {
    // Described below.
  }
  const token = (body as { oidcToken?: unknown } | null)?.oidcToken;
  const ok = response.status >= 200 && response.status < 300;
  if (ok && typeof token === 'string' && token) return token;
  const ids = ['x-vss-e2eid', 'x-msedge-ref'].map((h) => `${h}: ${response.headers[h] ?? 'n/a'}`).join(', ');
  // A success body may hold tokens under other names: only a refusal's text is quoted (redacted, capped),
  // without an oidcToken it may carry all the same.
  const secrets = [systemAccessToken, typeof token === 'string' ? token : ''];
  const detail = ok ? 'the answer has no oidcToken' : `${redactor(secrets)(response.body.trim()).slice(0, 300) || '(empty body)'}`;
  throw new AuthenticationError(`${NAME}: Azure DevOps did not issue an OIDC token (HTTP ${response.status}; ${ids}): ${detail}. ${TROUBLESHOOT}`, {
    statusCode: response.status,
  });
}
