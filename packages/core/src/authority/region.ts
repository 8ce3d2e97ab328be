import { ConfigurationError } from '../errors.js';

/** `azureRegion` value that asks for the region to be detected (MSAL's AZURE_REGION_AUTO_DISCOVER_FLAG). */
export const AZURE_REGION_AUTO_DETECT = 'TryAutoDetect';

// Hosts of the public cloud, whose regional endpoints live under login.microsoft.com (MSAL's KNOWN_PUBLIC_CLOUDS).
const PUBLIC_CLOUD_HOSTS = ['login.microsoftonline.com', 'login.windows.net', 'login.microsoft.com', 'sts.windows.net'];

/** A region name becomes a DNS label: a letter, then letters, digits or hyphens, not ending in one (as MSAL checks). */
export function isValidRegion(region: string): boolean {
  return region.length <= 63 && /^[a-z][a-z0-9-]*$/i.test(region) && !region.endsWith('-');
}

/**
 * The region app-only requests use: the configured one, or with `TryAutoDetect` the one the
 * environment names (`REGION_NAME`, passed in by @tessera/node); undefined means the global endpoint.
 */
export function resolveRegion(azureRegion: string | undefined, environmentRegion: string | undefined): string | undefined {
  if (!azureRegion) return undefined;
  if (azureRegion !== AZURE_REGION_AUTO_DETECT) {
    if (!isValidRegion(azureRegion)) throw new ConfigurationError(`\`azureRegion\` "${azureRegion}" is not a region name (e.g. "westus2") or "${AZURE_REGION_AUTO_DETECT}"`);
    return azureRegion;
  }
  return environmentRegion && isValidRegion(environmentRegion) ? environmentRegion : undefined;
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
