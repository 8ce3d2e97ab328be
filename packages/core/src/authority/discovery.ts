import type { HttpClient } from '../http/http-client.js';
import type { LogSink } from '../logger.js';
import { checkShape, oauthErrorFrom, parseJsonBody } from '../http/oauth-response.js';
import { InvalidResponseError, ValidationError, throwIfAborted } from '../errors.js';
import { abortable } from '../http/retry.js';
import { type DiscoveryDocument, type FlowEndpoint, discoverySchema, flowEndpointsSchema, isLoopbackHost, parseJson, urlOf } from '../http/schemas.js';
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

/**
 * How long a discovered document is used, in seconds (24 h, as MSAL ages cached authority metadata):
 * the next use after that fetches it again, so a long-running service sees a provider's changed
 * endpoints, keys URI or requirements (PAR, DPoP) without a restart. An `httpCache`'s copy ages the same.
 */
export const METADATA_MAX_AGE_SECONDS = 86_400;

/**
 * While discovery fails, the document fetched before stays in use (a provider's discovery outage
 * does not stop token acquisition), and discovery is tried again on the first use after this many seconds.
 */
export const METADATA_RETRY_SECONDS = 300;

/** A document and when it was fetched, in seconds since the epoch: what an httpCache keeps. */
export interface DatedMetadata {
  /** When the document was fetched. */
  at: number;
  /** The checked metadata. */
  doc: AuthorityMetadata;
}

/** Where documents are kept across restarts (see metadataStoreIn). */
export interface MetadataStore {
  /** The authority's kept document (checked), if any, whatever its age. */
  get(authority: Authority): Promise<DatedMetadata | undefined>;
  /** Keeps a document just fetched. */
  set(authority: Authority, dated: DatedMetadata): Promise<void>;
}

/** An answer in use: its (shared) fetch, and when the next use fetches it again (seconds; Infinity while fetching). */
interface Known<T> {
  answer: Promise<T>;
  until: number;
}

// Answers of an authority's metadata endpoints, one fetch per key per process and
// METADATA_MAX_AGE_SECONDS, shared by every client and concurrent caller: discovery documents under
// kind + metadata URL (an Entra and an OIDC authority can share a URL, `<host>/<tenant>` and
// oidcAuthority `<host>/<tenant>/v2.0`, and a document checked by one kind's rules is not checked by
// the other's: Entra endpoints stay in the cloud; an OIDC issuer is the URL itself), and Entra's
// instance discovery (instance-discovery.ts) under its own prefix.
const answers = new Map<string, Known<unknown>>();

/** Forgets fetched metadata and instance discovery answers (tests; key rotation drills). */
export function clearMetadataCache(): void {
  answers.clear();
}

/**
 * Fetches the authority's document again on its next use (not from an httpCache): an answer
 * showed that it may be out of date. The document stays in use if that fetch fails.
 */
export function refetchMetadataOnNextUse(authority: Authority): void {
  const known = answers.get(authority.kind + authority.metadataUrl);
  if (known) known.until = 0;
}

/**
 * `key`'s answer at time `t`: loaded on first use and again on the first use at or after the time
 * `load` gave with it; concurrent callers share the load. `load` gets the answer in use before, if
 * any, to fall back on (see fetchedOrKept). A failure is forgotten: the next caller tries again.
 */
export function agedAnswer<T>(key: string, t: number, load: (before?: Promise<T>) => Promise<[T, number]>): Promise<T> {
  let known = answers.get(key) as Known<T> | undefined;
  if (!known || t >= known.until) {
    const entry: Known<T> = { until: Infinity, answer: load(known?.answer).then(([answer, until]) => ((entry.until = until), answer)) };
    entry.answer.catch(() => answers.get(key) === entry && answers.delete(key));
    answers.set(key, (known = entry));
  }
  return known.answer;
}

/**
 * `fetch`'s answer, used for METADATA_MAX_AGE_SECONDS. When it fails, `kept(error)` (the answer
 * from before, if there is one to fall back on for this error) is used for METADATA_RETRY_SECONDS
 * more, with a warning naming `what`: an outage does not stop token acquisition. With none, the
 * failure is the caller's.
 */
export async function fetchedOrKept<T>(t: number, fetch: () => Promise<T>, kept: (error: unknown) => T | Promise<T> | undefined, what: string, log?: LogSink): Promise<[T, number]> {
  try {
    return [await fetch(), t + METADATA_MAX_AGE_SECONDS];
  } catch (error) {
    const old = kept(error);
    if (!old) throw error;
    log?.log('warning', () => `${what} failed, using the answer fetched before: ${log.describeError(error)}`);
    return [await old, t + METADATA_RETRY_SECONDS];
  }
}

export interface MetadataSource {
  http: HttpClient;
  /** A discovery document supplied by the application: no network call at all. */
  authorityMetadata?: string;
  signal?: AbortSignal;
  /** Documents kept across restarts, e.g. `metadataStoreIn(httpCache)`. */
  store?: MetadataStore;
  /** Seconds since the epoch (the client's clock); default the system's. */
  now?: () => number;
  /** Where a failed refetch is reported. */
  log?: LogSink;
}

/**
 * The authority's metadata, checked: fetched on first use and again on the first use after
 * METADATA_MAX_AGE_SECONDS (concurrent callers share the request; see load for failures).
 */
export async function getAuthorityMetadata(authority: Authority, source: MetadataSource): Promise<AuthorityMetadata> {
  const { authorityMetadata, signal, now = () => Date.now() / 1000 } = source;
  throwIfAborted(signal);
  if (authorityMetadata) return checkedMetadata(authority, parseJsonBody({ status: 200, headers: {}, body: authorityMetadata }, 'authorityMetadata'), 'authorityMetadata');
  const t = now();
  // The fetch is shared, so it runs without any caller's signal; each caller's signal ends its own wait.
  return abortable(
    agedAnswer<AuthorityMetadata>(authority.kind + authority.metadataUrl, t, (before) => load(authority, source, t, before)),
    signal,
  );
}

/**
 * The document and when to fetch it again: on first use the store's while it is fresh, else fetched
 * (and stored). When discovery (or keeping its document in the store) fails, the document used
 * before (or the store's, after a restart) is used for METADATA_RETRY_SECONDS more, with a warning
 * naming the failure; with none, the failure is the caller's.
 */
async function load(authority: Authority, { http, store, log }: MetadataSource, t: number, before?: Promise<AuthorityMetadata>): Promise<[AuthorityMetadata, number]> {
  // The store's copy stands in for a previous process's document only: one in use is followed by a
  // fetch (when it was found out of date, the store's copy may be that very document).
  const stored = before ? undefined : await store?.get(authority);
  if (stored && t < stored.at + METADATA_MAX_AGE_SECONDS) return [stored.doc, stored.at + METADATA_MAX_AGE_SECONDS];
  return fetchedOrKept(t, async () => {
    const doc = await fetchMetadata(authority, http);
    await store?.set(authority, { at: t, doc });
    return doc;
  }, () => before ?? stored?.doc, 'Discovery', log);
}

/** Fetches and checks the authority's discovery metadata. */
async function fetchMetadata(authority: Authority, http: HttpClient): Promise<AuthorityMetadata> {
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

/**
 * An HttpCache as a MetadataStore: each document is kept with the time it was fetched, under its
 * metadata URL; a damaged or foreign value counts as none.
 */
export function metadataStoreIn(httpCache: HttpCache): MetadataStore {
  return {
    async get(authority) {
      try {
        const { at, doc } = JSON.parse((await httpCache.get(authority.metadataUrl)) ?? 'null') as DatedMetadata;
        if (typeof at === 'number') return { at, doc: checkedMetadata(authority, doc, 'cached metadata') };
      } catch {
        // Fetched again below.
      }
      return undefined;
    },
    set: async (authority, dated) => httpCache.set(authority.metadataUrl, JSON.stringify(dated)),
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
 * The discovered endpoint `name` that only some flows use (see flowEndpointsSchema), checked as
 * checkMetadata checks the others (in the authority's cloud; http only to loopback, for an http
 * authority); undefined when the provider publishes none.
 */
export function discoveredEndpoint(authority: Authority, doc: AuthorityMetadata, name: FlowEndpoint): string | undefined {
  const endpoint = checkShape(flowEndpointsSchema, doc, 'Discovery document')[name];
  // checkMetadata's own rules, as it applies them to the token endpoint (its code stays as browsers bundle it).
  if (endpoint) checkMetadata(authority, { ...doc, token_endpoint: endpoint });
  return endpoint;
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
