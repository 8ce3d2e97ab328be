import { withQuery } from '@tessera/core';
import type { HttpResponse } from '@tessera/core';
import { CredentialUnavailableError } from '../errors.js';
import { type ImdsRetrySchedule, type ManagedIdentitySource, type SourceContext, send, sleep, tokenFrom, userAssignedParam } from './source.js';

const IMDS_HOST = 'http://169.254.169.254';
const TOKEN_PATH = '/metadata/identity/oauth2/token';
/** The api-version of IMDS token requests. */
export const IMDS_API_VERSION = '2018-02-01';

/** MSAL's IMDS schedule: 3 exponential retries (1 s, 2 s, 4 s); 410 (IMDS updating) every 10 s for 70 s. */
export const DEFAULT_IMDS_RETRY: ImdsRetrySchedule = { maxRetries: 3, maxRetriesOnGone: 7, minDelayMs: 1000, maxDelayMs: 4000, goneDelayMs: 10_000 };

const RETRIABLE = new Set([404, 408, 410, 429]);

/**
 * Azure VMs, scale sets and AKS nodes: the Instance Metadata Service at 169.254.169.254, or at
 * `AZURE_POD_IDENTITY_AUTHORITY_HOST` (AAD Pod Identity). Always present as the last resort.
 * https://learn.microsoft.com/entra/identity/managed-identities-azure-resources/how-to-use-vm-token
 */
export function imdsSource(ctx: SourceContext): ManagedIdentitySource {
  const host = ctx.env.AZURE_POD_IDENTITY_AUTHORITY_HOST || IMDS_HOST;
  const endpoint = new URL(TOKEN_PATH, host).toString();
  let probed: Promise<void> | undefined;

  /** A request without the Metadata header: any HTTP answer proves IMDS is there; silence within the timeout means it is not. */
  const probe = async (signal?: AbortSignal): Promise<void> => {
    const timeout = AbortSignal.timeout(ctx.probeTimeoutMs);
    let response: HttpResponse;
    try {
      response = await ctx.http.send({ method: 'GET', url: endpoint, signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new CredentialUnavailableError(`ManagedIdentityCredential (IMDS): the endpoint ${endpoint} did not answer within ${ctx.probeTimeoutMs} ms`, { cause: error });
    }
    // A proxy or network appliance may answer for an unreachable IMDS (as @azure/identity checks).
    if (response.status === 403 && response.body.includes('unreachable')) {
      throw new CredentialUnavailableError('ManagedIdentityCredential (IMDS): the endpoint is unreachable (403 from the network)');
    }
  };

  return {
    name: 'IMDS',
    async getToken(resource, _scope, signal) {
      if (ctx.probeImds) {
        probed ??= probe(signal);
        probed.catch(() => (probed = undefined));
        await probed;
      }
      const url = withQuery(endpoint, { 'api-version': IMDS_API_VERSION, resource, ...userAssignedParam(ctx.id, 'msi_res_id') });
      const schedule = ctx.imdsRetry;
      let maxRetries: number | undefined;
      for (let attempt = 0; ; attempt++) {
        const response = await send(ctx.http, 'IMDS', { method: 'GET', url, headers: { Metadata: 'true' }, signal });
        const status = response.status;
        const retriable = RETRIABLE.has(status) || (status >= 500 && status <= 599);
        // The schedule is chosen by the first failure, as MSAL does.
        maxRetries ??= status === 410 ? schedule.maxRetriesOnGone : schedule.maxRetries;
        if (!retriable || attempt >= maxRetries) {
          // In a chain (DefaultAzureCredential probes), an answer that is not IMDS's makes managed identity unavailable.
          if (ctx.probeImds) notImds(response);
          if (status === 400) throw await identityNotFound(response);
          return tokenFrom('IMDS', response);
        }
        const delay = status === 410 ? schedule.goneDelayMs : attempt === 0 ? schedule.minDelayMs : Math.min(2 ** attempt * schedule.minDelayMs, schedule.maxDelayMs);
        ctx.log('verbose', `ManagedIdentityCredential (IMDS): HTTP ${status}, retry ${attempt + 1} of ${maxRetries} in ${delay} ms`);
        await sleep(delay, signal);
      }
    },
  };
}

/**
 * IMDS answers everything, errors too, in JSON. Another last answer at its address (another
 * cloud's metadata server, a proxy's or captive portal's page) means there is no IMDS here: in a
 * chain (DefaultAzureCredential) the next credential is tried, as azure-identity's chains do.
 */
function notImds(response: HttpResponse): void {
  try {
    JSON.parse(response.body);
    return;
  } catch {
    // not JSON: below
  }
  throw new CredentialUnavailableError(
    `ManagedIdentityCredential (IMDS): something other than IMDS answered at its address (HTTP ${response.status}, not JSON); managed identity is not available here`,
    { code: 'imds_not_found' },
  );
}

/** IMDS answers 400 when the identity is not assigned to this VM: not available here, as @azure/identity reports it. */
async function identityNotFound(response: HttpResponse): Promise<CredentialUnavailableError> {
  let cause: unknown;
  try {
    await tokenFrom('IMDS', response);
  } catch (error) {
    cause = error;
  }
  return new CredentialUnavailableError(
    `ManagedIdentityCredential (IMDS): the requested identity has not been assigned to this resource (${(cause as Error).message})`,
    { cause, code: 'identity_not_found' },
  );
}
