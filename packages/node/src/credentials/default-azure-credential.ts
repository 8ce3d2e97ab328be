import { ConfigurationError } from '@tessera/core';
import { AzureCliCredential } from './azure-cli-credential.js';
import { AzureDeveloperCliCredential } from './azure-developer-cli-credential.js';
import { ChainedTokenCredential } from './chained-token-credential.js';
import { inDefaultChain } from './cli-credential.js';
import { envVar } from './env.js';
import { EnvironmentCredential } from './environment-credential.js';
import { CredentialUnavailableError } from './errors.js';
import { ManagedIdentityCredential, type ManagedIdentityCredentialOptions } from './managed-identity/index.js';
import type { TokenCredentialOptions } from './options.js';
import type { AccessToken, GetTokenOptions, TokenCredential } from './token-credential.js';
import { WorkloadIdentityCredential } from './workload-identity-credential.js';

/** Options of DefaultAzureCredential, as @azure/identity's, plus `excludeXxxCredential` flags (as in its Python and .NET siblings). */
export interface DefaultAzureCredentialOptions extends TokenCredentialOptions {
  /** Tenant for WorkloadIdentityCredential and the CLI credentials. Default: `AZURE_TENANT_ID` (workload identity); the CLIs' own tenant. */
  tenantId?: string;
  /** Client id of a user-assigned managed identity. Default: `AZURE_CLIENT_ID`. */
  managedIdentityClientId?: string;
  /** Resource id of a user-assigned managed identity (instead of a client id). */
  managedIdentityResourceId?: string;
  /** Client id for workload identity. Default: `managedIdentityClientId`, then `AZURE_CLIENT_ID`. */
  workloadIdentityClientId?: string;
  /** Milliseconds each CLI (az, azd) may run (default 10,000). */
  processTimeoutInMs?: number;
  /** Leave EnvironmentCredential out of the chain. */
  excludeEnvironmentCredential?: boolean;
  /** Leave WorkloadIdentityCredential out of the chain. */
  excludeWorkloadIdentityCredential?: boolean;
  /** Leave ManagedIdentityCredential out of the chain. */
  excludeManagedIdentityCredential?: boolean;
  /** Leave AzureCliCredential out of the chain. */
  excludeAzureCliCredential?: boolean;
  /** Leave AzureDeveloperCliCredential out of the chain. */
  excludeAzureDeveloperCliCredential?: boolean;
  /** Environment variables that must be set, else the constructor throws (as @azure/identity's `requiredEnvVars`). */
  requiredEnvVars?: string | string[];
}

type Name = 'EnvironmentCredential' | 'WorkloadIdentityCredential' | 'ManagedIdentityCredential' | 'AzureCliCredential' | 'AzureDeveloperCliCredential';
type Factory = (o: DefaultAzureCredentialOptions) => TokenCredential;

const PROD: readonly Name[] = ['EnvironmentCredential', 'WorkloadIdentityCredential', 'ManagedIdentityCredential'];
const DEV: readonly Name[] = ['AzureCliCredential', 'AzureDeveloperCliCredential'];
/** In @azure/identity's chain but not in @tessera/node: named in AZURE_TOKEN_CREDENTIALS, they are refused clearly. */
const NOT_SUPPORTED = ['VisualStudioCodeCredential', 'AzurePowerShellCredential', 'BrokerCredential'];

/** The transport and logging options ManagedIdentityCredential accepts (it refuses a cache, for one). */
const MANAGED_IDENTITY_OPTIONS = ['httpClient', 'loggingOptions', 'timeoutMs', 'authorityHost', 'authority', 'proxy', 'noProxy', 'ca'] as const;

const FACTORIES: Record<Name, Factory> = {
  EnvironmentCredential: (o) => new EnvironmentCredential(serviceOptions(o)),
  WorkloadIdentityCredential: (o) =>
    new WorkloadIdentityCredential({
      ...serviceOptions(o),
      tenantId: o.tenantId ?? envVar('AZURE_TENANT_ID'),
      clientId: o.workloadIdentityClientId ?? o.managedIdentityClientId ?? envVar('AZURE_CLIENT_ID'),
    }),
  ManagedIdentityCredential: (o) => {
    const base: ManagedIdentityCredentialOptions = { sendProbeRequest: true };
    for (const key of MANAGED_IDENTITY_OPTIONS) if (o[key] !== undefined) (base as Record<string, unknown>)[key] = o[key];
    if (o.managedIdentityResourceId) return new ManagedIdentityCredential({ ...base, resourceId: o.managedIdentityResourceId });
    const clientId = envVar('AZURE_FEDERATED_TOKEN_FILE')
      ? (o.workloadIdentityClientId ?? o.managedIdentityClientId ?? envVar('AZURE_CLIENT_ID'))
      : (o.managedIdentityClientId ?? envVar('AZURE_CLIENT_ID'));
    return new ManagedIdentityCredential(clientId ? { ...base, clientId } : base);
  },
  AzureCliCredential: (o) => inDefaultChain(new AzureCliCredential(cliOptions(o))),
  AzureDeveloperCliCredential: (o) => inDefaultChain(new AzureDeveloperCliCredential(cliOptions(o))),
};

function serviceOptions(o: DefaultAzureCredentialOptions): TokenCredentialOptions {
  const {
    tenantId: _t,
    managedIdentityClientId: _m,
    managedIdentityResourceId: _r,
    workloadIdentityClientId: _w,
    processTimeoutInMs: _p,
    requiredEnvVars: _e,
    excludeEnvironmentCredential: _x1,
    excludeWorkloadIdentityCredential: _x2,
    excludeManagedIdentityCredential: _x3,
    excludeAzureCliCredential: _x4,
    excludeAzureDeveloperCliCredential: _x5,
    ...rest
  } = o;
  return rest;
}

function cliOptions(o: DefaultAzureCredentialOptions) {
  return { tenantId: o.tenantId, additionallyAllowedTenants: o.additionallyAllowedTenants, processTimeoutInMs: o.processTimeoutInMs };
}

/** A credential that could not be built (bad configuration in the environment): unavailable, with the reason. */
class UnavailableCredential implements TokenCredential {
  constructor(
    readonly credentialName: string,
    private readonly reason: string,
  ) {}
  getToken(): Promise<AccessToken> {
    return Promise.reject(new CredentialUnavailableError(`${this.credentialName}: ${this.reason}`));
  }
}

/** The credentials `AZURE_TOKEN_CREDENTIALS` selects: `dev`, `prod`, one credential's name, or (unset) all. */
function selected(value: string | undefined): readonly Name[] {
  const v = value?.trim().toLowerCase();
  if (!v) return [...PROD, ...DEV];
  if (v === 'dev') return DEV;
  if (v === 'prod') return PROD;
  const one = [...PROD, ...DEV].find((n) => n.toLowerCase() === v);
  if (one) return [one];
  const unsupported = NOT_SUPPORTED.find((n) => n.toLowerCase() === v);
  if (unsupported) throw new ConfigurationError(`AZURE_TOKEN_CREDENTIALS = ${value}: ${unsupported} is not available in @tessera/node`, 'invalid_token_credentials');
  throw new ConfigurationError(
    `Invalid value for AZURE_TOKEN_CREDENTIALS = ${value}. Valid values are 'prod', 'dev' or one of ${[...PROD, ...DEV].join(', ')}`,
    'invalid_token_credentials',
  );
}

/**
 * The chain @azure/identity's DefaultAzureCredential tries, in its order: EnvironmentCredential,
 * WorkloadIdentityCredential, ManagedIdentityCredential (probing IMDS first, so a laptop fails
 * fast), AzureCliCredential, AzureDeveloperCliCredential. @azure/identity also tries
 * VisualStudioCodeCredential and AzurePowerShellCredential (between the CLIs) and a broker; those
 * are not in @tessera/node.
 *
 * `AZURE_TOKEN_CREDENTIALS` narrows the chain: `prod` (the first three), `dev` (the CLIs) or the
 * name of one credential; `excludeXxxCredential` options remove credentials. The first credential
 * that gives a token is kept for later calls. When none can, the AggregateAuthenticationError lists
 * what each one tried and why it failed; a credential that is set up but refused (a wrong secret)
 * ends the chain with its own error, except the developer tools (az, azd): as in azure-identity,
 * any failure of one lets the chain try the next.
 *
 * @example
 * ```ts
 * const credential = new DefaultAzureCredential({ managedIdentityClientId: '<client id>' });
 * const { token } = await credential.getToken('https://storage.azure.com/.default');
 * ```
 */
export class DefaultAzureCredential extends ChainedTokenCredential {
  /** Shown in log lines and errors. */
  override readonly credentialName = 'DefaultAzureCredential';
  /** Names of the credentials in the chain, in order (after AZURE_TOKEN_CREDENTIALS and the exclude flags). */
  readonly credentialNames: readonly string[];

  constructor(options: DefaultAzureCredentialOptions = {}) {
    const required = options.requiredEnvVars === undefined ? [] : [options.requiredEnvVars].flat();
    const missing = required.filter((name) => !envVar(name));
    if (missing.length > 0) {
      throw new ConfigurationError(`Required environment variable(s) ${missing.join(', ')} for DefaultAzureCredential ${missing.length === 1 ? 'is' : 'are'} not set or empty`);
    }
    const excluded = (name: Name) => options[`exclude${name}` as keyof DefaultAzureCredentialOptions] === true;
    const names = selected(process.env.AZURE_TOKEN_CREDENTIALS).filter((n) => !excluded(n));
    if (names.length === 0) throw new ConfigurationError('DefaultAzureCredential: every credential is excluded (see AZURE_TOKEN_CREDENTIALS and the exclude options)');
    // As @azure/identity: a credential whose construction fails is reported at getToken, not here.
    const sources = names.map((name): TokenCredential => {
      try {
        return FACTORIES[name](options);
      } catch (error) {
        return new UnavailableCredential(name, (error as Error).message);
      }
    });
    super(...sources);
    this.credentialNames = names;
  }

  /** The first credential that works, then that one alone (a later failure is its own error). */
  override async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken> {
    const chosen = this.selectedCredential;
    if (chosen) {
      const token = await chosen.getToken(scopes, options);
      if (token) return token;
    }
    return super.getToken(scopes, options);
  }
}

/** A new DefaultAzureCredential with default options, as @azure/identity's function of that name returns. */
export function getDefaultAzureCredential(): DefaultAzureCredential {
  return new DefaultAzureCredential();
}
