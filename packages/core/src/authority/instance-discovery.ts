import { ConfigurationError, InvalidResponseError } from '../errors.js';
import type { HttpClient } from '../http/http-client.js';
import type { LogSink } from '../logger.js';
import { parseJsonBody, checkShape, oauthErrorFrom } from '../http/oauth-response.js';
import { instanceDiscoverySchema, isLoopbackHost } from '../http/schemas.js';
import type { Authority } from './authority.js';
import { agedAnswer, fetchedOrKept } from './discovery.js';

/** Where Entra answers "is this a real Entra authority?" (MSAL's instance discovery). */
export const INSTANCE_DISCOVERY_ENDPOINT = 'https://login.microsoftonline.com/common/discovery/instance';

/**
 * Host or first path segment an Entra authority would have (a name of Microsoft's login hosts; a
 * tenant GUID, `*.onmicrosoft.com`, common/organizations/consumers, B2C's `tfp`). Core's clients
 * send an unknown host with such a URL to instance discovery, so a look-alike never receives a code
 * or secret. Here, not in entra.ts: the browser bundle (no instance discovery) does without it.
 */
const ENTRA_LOOKING_HOST = /microsoftonline|login\.microsoft|login\.windows|windows\.net|chinacloudapi|usgovcloudapi|sovcloud-identity|b2clogin|ciamlogin/i;
const ENTRA_LOOKING_SEGMENT = /^(common|organizations|consumers|tfp|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[^/]+\.onmicrosoft\.com)$/i;

/**
 * Whether an authority URL on a host that is not configured looks like an Entra one (see
 * ENTRA_LOOKING_HOST). Loopback never does: it is a development server.
 */
export function looksLikeEntra(hostname: string, firstSegment: string | undefined): boolean {
  return !isLoopbackHost(hostname) && (ENTRA_LOOKING_HOST.test(hostname) || (firstSegment !== undefined && ENTRA_LOOKING_SEGMENT.test(firstSegment)));
}

/**
 * Checks a custom or Entra-looking host with Entra's instance discovery before any code, secret or
 * token is sent to it. Built-in clouds, B2C, External ID and `knownAuthorities` hosts are trusted
 * without a network check, as in msal-common. Entra's answer ages like a discovery document
 * (agedAnswer, shared by every client in the process): asked again on the first use after
 * METADATA_MAX_AGE_SECONDS, the acceptance from before standing while Entra cannot be reached; a
 * refusal (invalid_instance) ends it. `t`: now, in seconds since the epoch (the client's clock).
 */
export function validateEntraInstance(authority: Authority, http: HttpClient, t: number, log?: LogSink): Promise<void> {
  if (authority.kind !== 'entra' || !authority.needsInstanceDiscovery) return Promise.resolve();
  return agedAnswer<void>(`instance ${authority.url}`, t, (before) =>
    // Entra's refusal is its answer, not an outage: the acceptance from before ends.
    fetchedOrKept(t, () => discover(authority, http), (error) => (error instanceof ConfigurationError ? undefined : before), 'Instance discovery', log),
  );
}

async function discover(authority: Authority, http: HttpClient): Promise<void> {
  const url = new URL(INSTANCE_DISCOVERY_ENDPOINT);
  url.searchParams.set('api-version', '1.1');
  url.searchParams.set('authorization_endpoint', `${authority.url}/oauth2/v2.0/authorize`);
  const response = await http.send({ method: 'GET', url: url.toString(), headers: { accept: 'application/json' } });
  const body = checkShape(instanceDiscoverySchema, parseJsonBody(response, 'Instance discovery'), 'Instance discovery', response.status);
  // A server error or throttling (AADSTS90033 temporarily_unavailable) is an outage, in which the
  // acceptance from before stands (see validateEntraInstance): not Entra's refusal of the instance.
  if (response.status >= 500 || response.status === 429) {
    throw oauthErrorFrom(body, response.status) ?? new InvalidResponseError(`Instance discovery answered HTTP ${response.status}`, response.status);
  }
  if (body.error || !body.tenant_discovery_endpoint) {
    // Entra's AADSTS text (error_description) says why; the request carried nothing secret.
    const why = body.error ? `${body.error}${body.error_description ? `: ${body.error_description}` : ''}` : 'no tenant_discovery_endpoint';
    throw new ConfigurationError(
      `Entra does not recognise the authority ${authority.url} (${why}); check the host, set oidcAuthority for a ` +
        'generic OpenID Connect provider, or knownAuthorities / instanceDiscovery: false for a trusted private deployment',
      'invalid_instance',
    );
  }
}
