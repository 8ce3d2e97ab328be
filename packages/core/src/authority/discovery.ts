import { rememberUnlessFailed } from '../client/single-flight.js';
import type { HttpClient } from '../http/http-client.js';
import { checkShape, oauthErrorFrom, parseJsonBody } from '../http/oauth-response.js';
import { InvalidResponseError, ValidationError, throwIfAborted } from '../errors.js';
import { abortable } from '../http/retry.js';
import { type DiscoveryDocument, discoverySchema, isLoopbackHost, parseJson, urlOf } from '../http/schemas.js';
import type { Authority } from './authority.js';
import { CIAM_HOST_SUFFIX, canonicalEnvironment } from './entra.js';

/** An authority's OpenID Connect discovery document (checked fields). */
export type AuthorityMetadata = DiscoveryDocument;

/** Optional persistent cache for metadata documents (MSAL's http_cache): survives restarts. */
export interface HttpCache {
  /** The value stored under `key`, if any. */
  get(key: string): string | undefined | Promise<string | undefined>;
  /** Stores `value` under `key`. */
  set(key: string, value: string): void | Promise<void>;
}

// One fetch per metadata URL and authority kind per process, shared by every client and concurrent
// caller. The kind is in the key: an Entra and an OIDC authority can share a URL (`<host>/<tenant>`
// and oidcAuthority `<host>/<tenant>/v2.0`), and a document checked by one kind's rules is not
// checked by the other's (Entra endpoints stay in the cloud; an OIDC issuer is the URL itself).
const metadataByUrl = new Map<string, Promise<AuthorityMetadata>>();

/** Forgets fetched metadata (tests; key rotation drills). */
export function clearMetadataCache(): void {
  metadataByUrl.clear();
}

export interface MetadataSource {
  http: HttpClient;
  /** A discovery document supplied by the application: no network call at all. */
  authorityMetadata?: string;
  signal?: AbortSignal;
  /** How the document is fetched: `fetchMetadata` (the default), or e.g. `fetchMetadataVia(httpCache)`. */
  fetch?: (authority: Authority, http: HttpClient) => Promise<AuthorityMetadata>;
}

/** The authority's metadata: fetched once per process (concurrent callers share the request) and checked. */
export async function getAuthorityMetadata(authority: Authority, { http, authorityMetadata, signal, fetch = fetchMetadata }: MetadataSource): Promise<AuthorityMetadata> {
  throwIfAborted(signal);
  if (authorityMetadata) return checkedMetadata(authority, parseJsonBody({ status: 200, headers: {}, body: authorityMetadata }, 'authorityMetadata'), 'authorityMetadata');
  // The fetch is shared, so it runs without any caller's signal; each caller's signal ends its own wait.
  return abortable(
    rememberUnlessFailed(metadataByUrl, authority.kind + authority.metadataUrl, () => fetch(authority, http)),
    signal,
  );
}

/** Fetches and checks the authority's discovery metadata. */
export async function fetchMetadata(authority: Authority, http: HttpClient): Promise<AuthorityMetadata> {
  const url = authority.metadataUrl;
  // Discovery is shared by concurrent callers, so one caller's abort must not fail the others.
  const response = await http.send({ method: 'GET', url, headers: { accept: 'application/json' } });
  const { status } = response;
  if (status !== 200) {
    // Entra explains an unknown tenant or policy in an OAuth error body (AADSTS90002 ...): keep its text
    // and ids. Not JSON: the status is all there is.
    const server = oauthErrorFrom(parseJson(response.body), status);
    throw new InvalidResponseError(`Discovery at ${url} answered HTTP ${status}${server ? `: ${server.message}` : ''}`, status, 'discovery_failed', { cause: server });
  }
  return checkedMetadata(authority, parseJsonBody(response, 'Discovery'), 'Discovery document', status);
}

/** A parsed discovery document, checked by its schema (the error names `what`) and by checkMetadata. */
function checkedMetadata(authority: Authority, value: unknown, what: string, status?: number): AuthorityMetadata {
  return checkMetadata(authority, checkShape(discoverySchema, value, what, status));
}

/** `fetchMetadata` through an HttpCache: a valid cached document saves the request, a fetched one is kept. */
export function fetchMetadataVia(httpCache: HttpCache): (authority: Authority, http: HttpClient) => Promise<AuthorityMetadata> {
  return async (authority, http) => {
    const cached = await httpCache.get(authority.metadataUrl);
    if (cached) {
      try {
        return checkedMetadata(authority, JSON.parse(cached), 'cached metadata');
      } catch {
        // A stale or damaged cached document is refetched below.
      }
    }
    const doc = await fetchMetadata(authority, http);
    await httpCache.set(authority.metadataUrl, JSON.stringify(doc));
    return doc;
  };
}

/** The document must be the authority's own (mix-up defence) and its endpoints safe to call. */
export function checkMetadata(authority: Authority, doc: AuthorityMetadata): AuthorityMetadata {
  const { issuer } = doc;
  const { kind, url, environment } = authority;
  const oidc = kind === 'oidc';
  // Entra's endpoints and issuer stay in the authority's cloud; an OIDC issuer is the authority URL itself.
  const inCloud = (host: string) => oidc || canonicalEnvironment(host) === canonicalEnvironment(environment);
  const issuerHost = urlOf(issuer.replace('{tenantid}', 'tenant'))?.host;
  if (oidc ? issuer.replace(/\/+$/, '') !== url : !issuerHost || !(inCloud(issuerHost) || isCiamIssuer(issuer, authority))) {
    throw new ValidationError('issuer', `Discovery issuer "${issuer}" is not the authority ${oidc ? url : environment}`);
  }
  // zod checked that each endpoint is an http(s) URL; http only to loopback, for an http (development) authority.
  const http = url.startsWith('http:');
  for (const endpoint of [doc.token_endpoint, doc.authorization_endpoint, doc.device_authorization_endpoint, doc.jwks_uri, doc.end_session_endpoint, doc.pushed_authorization_request_endpoint]) {
    const u = endpoint ? new URL(endpoint) : undefined;
    if (u && (!inCloud(u.host) || (u.protocol === 'http:' && !(http && isLoopbackHost(u.hostname))))) {
      throw new ValidationError('endpoint', `Discovery endpoint ${u.origin} is not https or not in the authority's cloud`);
    }
  }
  return doc;
}

/**
 * External ID names its issuer `https://<tenant id>.ciamlogin.com/<tenant id>/v2.0`, also behind a
 * domain-named or custom-domain authority: the host label must be the tenant the issuer path or the
 * authority names (msal-common's CIAM issuer rule).
 */
function isCiamIssuer(issuer: string, { tenant }: Authority): boolean {
  const u = urlOf(issuer);
  const label = u?.hostname.slice(0, -CIAM_HOST_SUFFIX.length);
  return (
    u?.protocol === 'https:' &&
    !u.port &&
    u.hostname.endsWith(CIAM_HOST_SUFFIX) &&
    !label!.includes('.') &&
    (label === tenant.toLowerCase().replace(/\.onmicrosoft\.com$/, '') || label === u.pathname.split('/')[1]?.toLowerCase())
  );
}
