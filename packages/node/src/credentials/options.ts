import { AzureAuthorityHosts, ConfigurationError, type HttpClient, type LogLevel, LogSink, type Logger, type RetryOptions, entraAuthority, resolveAuthority } from '@tessera/core';
import type { TransportOptions } from '../http/node-http-client.js';
import { envVar } from './env.js';
import { TenantNotAllowedError } from './errors.js';

/**
 * Shaped like @azure/identity's option of the same name: a FileCacheStore encrypted with AES-256-GCM
 * under a key the OS secret store keeps (see keyringEncryption; needs the optional peer dependency
 * `@napi-rs/keyring`). Where no secret store can be used, getToken fails with
 * CacheStoreUnavailableError unless `unsafeAllowUnencryptedStorage` is set.
 */
export interface TokenCachePersistenceOptions {
  /** Persist tokens to an encrypted file (default: in memory only). */
  enabled: boolean;
  /** File name in `~/.tessera` (default `tessera.cache`); CAE and non-CAE tokens get `<name>.cae` / `<name>.nocae`. */
  name?: string;
  /** Folder of the cache files (default `~/.tessera`). */
  directory?: string;
  /**
   * When the OS secret store cannot be used (a Linux machine without a Secret Service), store the cache
   * as plain JSON readable only by your user instead of failing, as @azure/identity does; plain files
   * are then also read. Encryption is still used where the secret store works. Cache errors are then
   * warnings (tokens come from the network) rather than getToken failures.
   */
  unsafeAllowUnencryptedStorage?: boolean;
}

/** Logging options of a credential. */
export interface CredentialLoggingOptions {
  /** Where log lines go (none by default). */
  logger?: Logger;
  /** The most verbose level written (default `info`). */
  level?: LogLevel;
  /** Log the client id, tenant and user of each token acquired (as @azure/identity's option). */
  allowLoggingAccountIdentifiers?: boolean;
  /** Include tokens and other secrets in core's log lines. Never in production. */
  enableUnsafeSupportLogging?: boolean;
}

/** A credential's own log: its options in core's terms (`enableUnsafeSupportLogging` is core's PII logging). */
export function credentialLogSink(logging: CredentialLoggingOptions = {}): LogSink {
  return new LogSink({ logger: logging.logger, level: logging.level, piiLoggingEnabled: logging.enableUnsafeSupportLogging === true });
}

/** Options every credential accepts. `proxy`, `noProxy`, `ca` and `timeoutMs` configure the Node transport. */
export interface TokenCredentialOptions extends TransportOptions {
  /**
   * Entra cloud host, e.g. AzureAuthorityHosts.AzureGovernment. Default: the `AZURE_AUTHORITY_HOST`
   * environment variable, else the public cloud. The authority is `<authorityHost>/<tenantId>`.
   */
  authorityHost?: string;
  /**
   * A full authority URL instead of authorityHost + tenant: any OpenID Connect issuer (the tenant
   * arguments are then ignored), or an Entra URL with its tenant in the path.
   */
  authority?: string;
  /** Tenants besides the credential's own that getToken may ask for; "*" allows any. Entra only. */
  additionallyAllowedTenants?: string[];
  /** Persist tokens in a file; default in memory only. */
  tokenCachePersistenceOptions?: TokenCachePersistenceOptions;
  /** Skip Entra instance discovery for hosts not built in (private clouds, Azure Stack). */
  disableInstanceDiscovery?: boolean;
  /** Replaces the transport (default: NodeHttpClient, which honours the proxy environment variables). */
  httpClient?: HttpClient;
  /** Core's retry policy for token and discovery requests. */
  retryOptions?: RetryOptions;
  /** Logging: where, how verbose, and whether account identifiers or PII may appear. */
  loggingOptions?: CredentialLoggingOptions;
}

/** Where a credential sends its requests, settled once at construction without any request. */
export interface CredentialAuthority {
  /** The authority URL handed to core. */
  url: string;
  entra: boolean;
  /** The Entra tenant of `url`; undefined for generic OIDC issuers, which have no tenants. */
  tenantId?: string;
  /** The caller chose the tenant (not a default): only then are other tenants restricted, as in @azure/identity. */
  tenantExplicit?: boolean;
  /** Hosts core must treat as Entra (a custom authorityHost is Entra by definition). */
  knownEntraHosts?: string[];
}

// Tenant ids become a URL path segment: allow only what GUIDs and domain names use.
const TENANT_ID = /^[0-9a-zA-Z.-]+$/;

export function checkTenantId(tenantId: string): void {
  if (!TENANT_ID.test(tenantId)) {
    throw new ConfigurationError(
      `Invalid tenant id "${tenantId}": use the directory's GUID or a domain name (letters, digits, "-" and "."); ` +
        'find it in the Entra admin center under Overview',
      'invalid_tenant_id',
    );
  }
}

/**
 * Resolves `authority` / `authorityHost` + tenant. `defaultTenant` applies when neither the
 * credential's tenantId nor the authority names one (user sign-ins use "organizations").
 */
export function credentialAuthority(tenantId: string | undefined, options: TokenCredentialOptions, defaultTenant?: string): CredentialAuthority {
  if (options.authority && options.authorityHost) {
    throw new ConfigurationError('Set either `authority` (a full authority URL) or `authorityHost` (an Entra cloud host), not both');
  }
  if (options.authority) {
    const resolved = resolveAuthority({ authority: options.authority });
    if (resolved.kind === 'oidc') return { url: resolved.url, entra: false };
    if (tenantId && tenantId.toLowerCase() !== resolved.tenant.toLowerCase()) {
      throw new ConfigurationError(
        `The tenant "${tenantId}" differs from the tenant "${resolved.tenant}" in \`authority\`; use \`authorityHost\` to combine a cloud with a tenant`,
      );
    }
    return { url: resolved.url, entra: true, tenantId: resolved.tenant, tenantExplicit: true };
  }
  const tenant = tenantId || defaultTenant;
  if (!tenant) throw new ConfigurationError('A tenant id is required (the directory id of the application in Entra)');
  checkTenantId(tenant);
  const host = normalizeHost(options.authorityHost ?? envVar('AZURE_AUTHORITY_HOST') ?? AzureAuthorityHosts.AzurePublicCloud);
  return { url: entraAuthority(tenant, host), entra: true, tenantId: tenant, tenantExplicit: !!tenantId, knownEntraHosts: [new URL(host).host] };
}

function normalizeHost(host: string): string {
  // azure-identity also accepts a bare host name ("login.microsoftonline.us").
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(host) ? host : `https://${host}`;
  try {
    return new URL(withScheme).origin;
  } catch {
    throw new ConfigurationError(`\`authorityHost\` "${host}" is not a URL`);
  }
}

/**
 * The tenant to send a request to: the credential's own unless getToken names another that
 * `additionallyAllowedTenants` permits. Undefined for generic OIDC issuers, where a requested
 * tenant is ignored (an issuer has no tenants). Throws before any request is made.
 */
export function requestTenant(authority: CredentialAuthority, allowed: readonly string[], requested: string | undefined): string | undefined {
  if (!authority.entra || !requested) return undefined;
  checkTenantId(requested);
  const own = authority.tenantId;
  if (own && requested.toLowerCase() === own.toLowerCase()) return undefined;
  const permitted = !authority.tenantExplicit || allowed.some((t) => t === '*' || t.toLowerCase() === requested.toLowerCase());
  if (!permitted) throw new TenantNotAllowedError(requested);
  return requested;
}
