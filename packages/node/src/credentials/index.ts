// Credentials shaped like @azure/identity's: any Azure SDK client accepting a TokenCredential accepts them.
export type { AccessToken, AbortSignalLike, GetTokenOptions, TokenCredential } from './token-credential.js';
export type { TokenCredentialOptions, TokenCachePersistenceOptions, CredentialLoggingOptions } from './options.js';
export {
  CredentialUnavailableError,
  AuthenticationRequiredError,
  AuthenticationError,
  TenantNotAllowedError,
  AggregateAuthenticationError,
  CredentialUnavailableErrorName,
  AuthenticationErrorName,
  AggregateAuthenticationErrorName,
} from './errors.js';
export { ClientSecretCredential, type ClientSecretCredentialOptions } from './client-secret-credential.js';
export {
  ClientCertificateCredential,
  type ClientCertificateCredentialOptions,
  type ClientCertificateSource,
} from './client-certificate-credential.js';
export { decryptPrivateKey } from './certificate.js';
export { ClientAssertionCredential, type ClientAssertionCredentialOptions } from './client-assertion-credential.js';
export {
  OnBehalfOfCredential,
  type OnBehalfOfCredentialOptions,
  type OnBehalfOfCredentialSecretOptions,
  type OnBehalfOfCredentialCertificateOptions,
  type OnBehalfOfCredentialAssertionOptions,
} from './on-behalf-of-credential.js';
export { AuthorizationCodeCredential, type AuthorizationCodeCredentialOptions } from './authorization-code-credential.js';
export { DeviceCodeCredential, type DeviceCodeCredentialOptions, type DeviceCodeInfo } from './device-code-credential.js';
export { InteractiveBrowserCredential, type InteractiveBrowserCredentialOptions } from './interactive-browser-credential.js';
export {
  type AuthenticationRecord,
  type InteractiveCredentialOptions,
  serializeAuthenticationRecord,
  deserializeAuthenticationRecord,
} from './user-credential.js';
export { ChainedTokenCredential } from './chained-token-credential.js';
export { getBearerTokenProvider, type GetBearerTokenProviderOptions } from './bearer-token-provider.js';
export {
  SharedTokenCacheCredential,
  type SharedTokenCacheCredentialOptions,
  defaultSharedCachePath,
} from './shared-token-cache-credential.js';
export { DEVELOPER_SIGN_ON_CLIENT_ID } from './defaults.js';
export {
  ManagedIdentityCredential,
  type ManagedIdentityCredentialOptions,
  type ManagedIdentityIdOptions,
  type ImdsRetrySchedule,
  DEFAULT_IMDS_RETRY,
} from './managed-identity/index.js';
export { AzurePipelinesCredential, type AzurePipelinesCredentialOptions } from './azure-pipelines-credential.js';
export { WorkloadIdentityCredential, type WorkloadIdentityCredentialOptions } from './workload-identity-credential.js';
export {
  EnvironmentCredential,
  type EnvironmentCredentialOptions,
  ENVIRONMENT_CREDENTIAL_VARIABLES,
} from './environment-credential.js';
export { UsernamePasswordCredential, type UsernamePasswordCredentialOptions } from './username-password-credential.js';
export { type CliCredentialOptions, sanitizeCliOutput } from './cli-credential.js';
export { AzureCliCredential, type AzureCliCredentialOptions } from './azure-cli-credential.js';
export { AzureDeveloperCliCredential, type AzureDeveloperCliCredentialOptions } from './azure-developer-cli-credential.js';
export { DefaultAzureCredential, type DefaultAzureCredentialOptions, getDefaultAzureCredential } from './default-azure-credential.js';
