import { ConfigurationError } from '../errors.js';
import { isLoopbackHost, urlOf } from '../http/schemas.js';
import { B2C_HOST_SUFFIX, CIAM_HOST_SUFFIX, MULTI_TENANTS, isKnownEntraHost } from './entra.js';

/** The protocol dialect of an authority: Microsoft Entra or generic OpenID Connect. */
export type AuthorityKind = 'entra' | 'oidc';

/** A resolved authority: which protocol dialect it speaks and where its metadata lives. */
export interface Authority {
  /** Entra or generic OpenID Connect. */
  kind: AuthorityKind;
  /** Canonical URL, without a trailing slash. */
  url: string;
  /** Host (and port) as cache keys record it: MSAL's "environment". */
  environment: string;
  /** Entra tenant from the path; for OIDC issuers, the issuer path (may be empty). */
  tenant: string;
  /** Multi-tenant Entra authority (common, organizations, consumers). */
  multiTenant: boolean;
  /** The discovery document's URL. */
  metadataUrl: string;
  /** Azure AD B2C user flow or custom policy (`B2C_1_susi`, `B2C_1A_signin`) from the path. */
  policy?: string;
  /** Entra authority on a host neither built in nor trusted: Entra's instance discovery must accept it first. */
  needsInstanceDiscovery?: boolean;
}

/** Where a client signs users in. */
export interface AuthorityOptions {
  /**
   * Entra authority (`https://login.microsoftonline.com/<tenant>`, B2C
   * `https://<t>.b2clogin.com[/tfp]/<t>.onmicrosoft.com/<policy>`, External ID `https://<t>.ciamlogin.com`)
   * or any OIDC issuer URL (see the core README for how a URL is classified).
   */
  authority?: string;
  /** An OIDC issuer to treat as generic OpenID Connect on any host (MSAL's oidc_authority); never instance discovery. */
  oidcAuthority?: string;
  /** Extra hosts to treat as Entra (private clouds, proxies, test servers); checked with instance discovery unless it is off. */
  knownEntraHosts?: readonly string[];
  /**
   * Hosts trusted as Entra-family authorities without instance discovery, as MSAL's knownAuthorities:
   * B2C and External ID custom domains (`login.contoso.com`). `*.b2clogin.com` and `*.ciamlogin.com` need not be listed.
   */
  knownAuthorities?: readonly string[];
}

const DEFAULT_AUTHORITY = 'https://login.microsoftonline.com/common';
const B2C_POLICY = /^b2c_1a?_/i;

/**
 * Resolves the authority options to an Authority; throws ConfigurationError for an unusable URL.
 * `looksLikeEntra` (core's clients pass `instance-discovery.ts › looksLikeEntra`) makes unknown
 * Entra-looking hosts Entra authorities that need instance discovery; without it (@tessera/browser,
 * which has no instance discovery) unknown hosts are generic OIDC.
 */
export function resolveAuthority(
  { authority, oidcAuthority, knownAuthorities, knownEntraHosts }: AuthorityOptions,
  looksLikeEntra?: (hostname: string, firstSegment?: string) => boolean,
): Authority {
  if (authority && oidcAuthority) throw new ConfigurationError('Set either `authority` or `oidcAuthority`, not both');
  const raw = oidcAuthority ?? authority ?? DEFAULT_AUTHORITY;
  const url = parseAuthorityUrl(raw);
  // The URL parser lower-cases http(s) hosts.
  const { origin, host, hostname } = url;
  const path = url.pathname.replace(/\/+$/, '');
  const segments = path.split('/').filter(Boolean);
  const listed = (hosts: readonly string[] = []) => hosts.some((h) => h.toLowerCase() === host);
  const builtIn = isKnownEntraHost(hostname);
  const ciam = host.endsWith(CIAM_HOST_SUFFIX);
  const trusted = builtIn || ciam || host.endsWith(B2C_HOST_SUFFIX) || listed(knownAuthorities);
  // Unknown hosts are generic OIDC unless they look like Entra: those must pass instance discovery
  // (a look-alike of login.microsoftonline.com gets no code or secret).
  const entra = !oidcAuthority && (trusted || listed(knownEntraHosts) || !!looksLikeEntra?.(hostname, segments[0]));
  if (!entra) {
    const issuer = origin + path;
    return { kind: 'oidc', url: issuer, environment: host, tenant: path.slice(1), multiTenant: false, metadataUrl: `${issuer}/.well-known/openid-configuration` };
  }
  // The path is [tfp/]<tenant>[/<policy>][/v2.0]; discovery is always under <authority>/v2.0 (as msal-common).
  // (Indexed, not .at(-1): browsers without it get the typed "browser too old" error, not a TypeError here.)
  if (segments[segments.length - 1]?.toLowerCase() === 'v2.0') segments.pop();
  const tfp = segments[0]?.toLowerCase() === 'tfp';
  if (tfp) segments.shift();
  // External ID without a path is its tenant's domain, as msal-common's transformCIAMAuthority.
  const [tenant = ciam ? `${hostname.split('.')[0]}.onmicrosoft.com` : '', second] = segments;
  if (!tenant) throw new ConfigurationError(`Entra authority "${raw}" needs a tenant, e.g. ${origin}/organizations`);
  const policy = second && (tfp || B2C_POLICY.test(second) || (trusted && !builtIn)) ? second : undefined;
  const base = `${origin}/${tfp ? 'tfp/' : ''}${tenant}${policy ? `/${policy}` : ''}`;
  return {
    kind: 'entra',
    url: base,
    environment: host,
    tenant,
    multiTenant: MULTI_TENANTS.has(tenant.toLowerCase()),
    metadataUrl: `${base}/v2.0/.well-known/openid-configuration`,
    policy,
    needsInstanceDiscovery: !trusted,
  };
}

/** The same Entra authority for another tenant (per-request `tenant` / `tenantId`). */
export function forTenant(authority: Authority, tenant: string): Authority {
  if (authority.kind !== 'entra' || tenant === authority.tenant) return authority;
  if (authority.policy) throw new ConfigurationError('A B2C authority (with a policy) has one tenant; use another authority instead of `tenant`');
  // Parsed like a configured authority (a tenant cannot add a query or climb the path); the host keeps its trust.
  const other = resolveAuthority({ authority: `${new URL(authority.url).origin}/${tenant}`, knownEntraHosts: [authority.environment] });
  return { ...other, needsInstanceDiscovery: authority.needsInstanceDiscovery };
}


function parseAuthorityUrl(raw: string): URL {
  const url = urlOf(raw);
  if (!url) throw new ConfigurationError(`Authority "${raw}" is not an absolute URL`);
  const loopback = isLoopbackHost(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new ConfigurationError(`Authority "${raw}" must use https (http only on loopback)`);
  }
  // A user name or password would be dropped from every request, and must not be echoed.
  if (url.search || url.hash || url.username || url.password) {
    throw new ConfigurationError(`Authority ${url.origin + url.pathname} must not have a query, fragment, user name or password`);
  }
  return url;
}
