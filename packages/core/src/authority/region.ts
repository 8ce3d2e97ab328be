import { ConfigurationError } from '../errors.js';
import type { HttpClient } from '../http/http-client.js';
import type { LogSink } from '../logger.js';

/** `azureRegion` value that asks for the region to be detected (MSAL's AZURE_REGION_AUTO_DISCOVER_FLAG). */
export const AZURE_REGION_AUTO_DETECT = 'TryAutoDetect';

/**
 * Where Azure's Instance Metadata Service (IMDS) names a VM's region: the `location` route, as
 * text (MSAL's endpoint). Link-local: only a machine on Azure gets an answer.
 */
export const IMDS_REGION_ENDPOINT = 'http://169.254.169.254/metadata/instance/compute/location';
/** The IMDS api-version asked first (msal-node's); an IMDS that does not know it says which it knows. */
const IMDS_API_VERSION = '2021-02-01';
/** Off Azure nothing answers at 169.254.169.254: wait no longer than msal-node does (IMDS_TIMEOUT). */
const IMDS_TIMEOUT_MS = 2000;

// Hosts of the public cloud, whose regional endpoints live under login.microsoft.com (MSAL's KNOWN_PUBLIC_CLOUDS).
const PUBLIC_CLOUD_HOSTS = ['login.microsoftonline.com', 'login.windows.net', 'login.microsoft.com', 'sts.windows.net'];

/** A region name becomes a DNS label: a letter, then letters, digits or hyphens, not ending in one (as MSAL checks). */
export function isValidRegion(region: string): boolean {
  return region.length <= 63 && /^[a-z][a-z0-9-]*$/i.test(region) && !region.endsWith('-');
}

/**
 * How app-only requests find their region: a configured one (checked here), `'detect'` for
 * `TryAutoDetect` without an environment region (IMDS is asked on first use), or undefined for
 * the global endpoint. An environment region (`REGION_NAME`, passed in by @tessera/node) comes
 * first, as in MSAL; one that is no region name means the global endpoint, without asking IMDS.
 */
export function resolveRegion(azureRegion: string | undefined, environmentRegion: string | undefined): string | 'detect' | undefined {
  if (!azureRegion) return undefined;
  if (azureRegion !== AZURE_REGION_AUTO_DETECT) {
    if (!isValidRegion(azureRegion)) throw new ConfigurationError(`\`azureRegion\` "${azureRegion}" is not a region name (e.g. "westus2") or "${AZURE_REGION_AUTO_DETECT}"`);
    return azureRegion;
  }
  if (!environmentRegion) return 'detect';
  return isValidRegion(environmentRegion) ? environmentRegion : undefined;
}

/** What region detection through IMDS found: the region, or why there is none. */
export type ImdsRegion = { region: string } | { problem: string };

/**
 * The VM's region from IMDS, asked as msal-node's RegionDiscovery does: `GET <endpoint>?api-version=…&format=text`
 * with `Metadata: true` and a 2 s limit per request. A 400 means this IMDS does not know the
 * api-version: asked without one (`format=json`), it answers 400 with `newest-versions`, and the
 * first of those is asked. Never throws: no region (off Azure, a timeout, a strange answer) is a `problem`.
 */
export async function regionFromImds(http: HttpClient, endpoint: string = IMDS_REGION_ENDPOINT): Promise<ImdsRegion> {
  let signal: AbortSignal | undefined;
  const get = (query: string) => http.send({ method: 'GET', url: `${endpoint}?${query}`, headers: { Metadata: 'true' }, signal: (signal = AbortSignal.timeout(IMDS_TIMEOUT_MS)) });
  const ask = (version: string) => get(`api-version=${encodeURIComponent(version)}&format=text`);
  try {
    let answer = await ask(IMDS_API_VERSION);
    if (answer.status === 400) {
      const newest = newestImdsVersion((await get('format=json')).body);
      if (!newest) return { problem: `IMDS refused api-version ${IMDS_API_VERSION} and named no newer one` };
      answer = await ask(newest);
    }
    if (answer.status !== 200) return { problem: `IMDS answered HTTP ${answer.status}` };
    const region = answer.body.trim();
    return isValidRegion(region) ? { region } : { problem: 'IMDS answered something that is not a region name' };
  } catch (error) {
    return { problem: signal?.aborted ? `IMDS did not answer within ${IMDS_TIMEOUT_MS} ms` : `IMDS is unreachable (${error instanceof Error ? error.message : String(error)})` };
  }
}

/** The first of `newest-versions` in IMDS's 400 answer to a request without api-version. */
function newestImdsVersion(body: string): string | undefined {
  try {
    const versions = (JSON.parse(body) as { 'newest-versions'?: unknown })['newest-versions'];
    const first: unknown = Array.isArray(versions) ? versions[0] : undefined;
    // It goes into a query string: a date-like version only.
    return typeof first === 'string' && /^[\w.-]{1,32}$/.test(first) ? first : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `TryAutoDetect` without an environment region: IMDS is asked once per client, on its first
 * app-only request (MSAL keeps the answer with the authority's metadata); no region found means
 * the global endpoint, with a warning that says why, and is not asked again.
 */
export function imdsRegionDetector(http: HttpClient, endpoint: string | undefined, log: LogSink): () => Promise<string | undefined> {
  let detected: Promise<string | undefined> | undefined;
  return () =>
    (detected ??= regionFromImds(http, endpoint).then((found) => {
      if ('region' in found) {
        log.log('info', `Azure region "${found.region}" detected through IMDS`);
        return found.region;
      }
      log.log('warning', `No Azure region detected (REGION_NAME is not set; ${found.problem}); using the global token endpoint`);
      return undefined;
    }));
}

/**
 * An Entra endpoint moved to a region, as MSAL builds it: `<region>.login.microsoft.com` for
 * the public cloud's hosts, `<region>.<host>` for the others (sovereign clouds, custom hosts).
 */
export function regionalEndpoint(endpoint: string, region: string): string {
  const url = new URL(endpoint);
  url.host = PUBLIC_CLOUD_HOSTS.includes(url.host.toLowerCase()) ? `${region}.login.microsoft.com` : `${region}.${url.host}`;
  return url.href;
}
