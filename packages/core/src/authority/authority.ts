import { ConfigurationError } from '../errors.js';
import { isLoopbackHost } from '../http/schemas.js';
import { MULTI_TENANTS, isKnownEntraHost } from './entra.js';

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
}

/** Where a client signs users in. */
export interface AuthorityOptions {
  /** Entra authority (`https://login.microsoftonline.com/<tenant>`) or any OIDC issuer URL. */
  authority?: string;
  /** An OIDC issuer to treat as generic OpenID Connect even on an Entra host (MSAL's oidc_authority). */
  oidcAuthority?: string;
  /** Extra hosts to treat as Entra (private clouds, proxies, test servers). */
  knownEntraHosts?: readonly string[];
}

const DEFAULT_AUTHORITY = 'https://login.microsoftonline.com/common';

/** Resolves the authority options to an Authority; throws ConfigurationError for an unusable URL. */
export function resolveAuthority(options: AuthorityOptions): Authority {
  if (options.authority && options.oidcAuthority) {
    throw new ConfigurationError('Set either `authority` or `oidcAuthority`, not both');
  }
  const raw = options.oidcAuthority ?? options.authority ?? DEFAULT_AUTHORITY;
  const url = parseAuthorityUrl(raw);
  const host = url.host.toLowerCase();
  const entra =
    !options.oidcAuthority && (isKnownEntraHost(url.hostname) || (options.knownEntraHosts ?? []).some((h) => h.toLowerCase() === host));
  const path = url.pathname.replace(/\/+$/, '');
  if (entra) {
    const tenant = path.split('/').filter(Boolean)[0];
    if (!tenant) throw new ConfigurationError(`Entra authority "${raw}" needs a tenant, e.g. ${url.origin}/organizations`);
    const base = `${url.origin}/${tenant}`;
    return {
      kind: 'entra',
      url: base,
      environment: host,
      tenant,
      multiTenant: MULTI_TENANTS.has(tenant.toLowerCase()),
      metadataUrl: `${base}/v2.0/.well-known/openid-configuration`,
    };
  }
  const issuer = `${url.origin}${path}`;
  return {
    kind: 'oidc',
    url: issuer,
    environment: host,
    tenant: path.replace(/^\//, ''),
    multiTenant: false,
    metadataUrl: `${issuer}/.well-known/openid-configuration`,
  };
}

/** The same Entra authority for another tenant (per-request `tenant` / `tenantId`). */
export function forTenant(authority: Authority, tenant: string): Authority {
  if (authority.kind !== 'entra' || tenant === authority.tenant) return authority;
  const origin = new URL(authority.url).origin;
  return resolveAuthority({ authority: `${origin}/${tenant}`, knownEntraHosts: [authority.environment] });
}

function parseAuthorityUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigurationError(`Authority "${raw}" is not an absolute URL`);
  }
  const loopback = isLoopbackHost(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new ConfigurationError(`Authority "${raw}" must use https (http is allowed only on loopback)`);
  }
  if (url.search || url.hash) throw new ConfigurationError(`Authority "${raw}" must not have a query or fragment`);
  return url;
}
