// @tessera/core: platform-neutral OAuth 2.0 / OpenID Connect engine.
export { PublicClientApplication } from './client/public-client.js';
export { ConfidentialClientApplication, type ConfidentialClientOptions } from './client/confidential-client.js';
export { AZURE_REGION_AUTO_DETECT, IMDS_REGION_ENDPOINT } from './authority/region.js';
export { ClientApplication, type ClientApplicationOptions, type RemoveAccountOptions, LIBRARY_VERSION } from './client/client-application.js';
export { generateDpopKeyPair, type DpopFetchOptions, type DpopHeaders, type DpopKeySource, type DpopOption, type DpopProofRequest } from './crypto/dpop.js';
export type { ClientCredential, CertificateCredential, SecretCredential, AssertionCredential, ClientAuthMethod, PrivateKeyDecryptor } from './client/client-credential.js';

export type { AuthCodeFlow, AuthResponse, AuthorizationUrlOptions, AcquireTokenByCodeOptions, ResponseMode, Prompt } from './flows/auth-code.js';
export { parseAuthResponse } from './flows/auth-code.js';
export type { PushedAuthorizationRequests } from './flows/pushed-authorization.js';
export type { LogoutUrlOptions, EndSessionParameters } from './flows/logout.js';
export type { DeviceCodeFlow } from './flows/device-code.js';
export type { ClientCredentialsOptions } from './flows/client-credentials.js';
export type { OnBehalfOfOptions } from './flows/on-behalf-of.js';
export type { SilentOptions } from './flows/silent.js';
export type { RequestOptions, RefreshLock, LibraryInfo } from './flows/context.js';
export type { AccountInfo, AuthenticationResult } from './results.js';

export { resolveAuthority, type Authority, type AuthorityOptions, type AuthorityKind } from './authority/authority.js';
export { AzureAuthorityHosts, entraAuthority } from './authority/entra.js';
export { METADATA_MAX_AGE_SECONDS, METADATA_RETRY_SECONDS, clearMetadataCache, type AuthorityMetadata, type HttpCache } from './authority/discovery.js';

export { TokenCache, CacheFormatError, parseCacheJson, refreshTokenRealm } from './cache/token-cache.js';
export { MemoryCacheStore, type CacheStore, type CachePartitioning, type CacheStoreErrors } from './cache/cache-store.js';
// Types only: the key helpers and section list are internals of the cache (not part of the runtime API).
export type {
  CredentialType,
  AccountEntity,
  AccessTokenEntity,
  RefreshTokenEntity,
  IdTokenEntity,
  AppMetadataEntity,
  CacheSections,
  SectionName,
} from './cache/schema.js';

export { FetchHttpClient, type FetchHttpClientOptions, type HttpClient, type HttpRequest, type HttpResponse, type FetchFunction } from './http/http-client.js';
export { RetryingHttpClient, type RetryOptions } from './http/retry.js';

export { jwksSignatureVerifier } from './crypto/jwks-verifier.js';
export type { IdTokenClaims, IdTokenSignatureVerifier } from './crypto/id-token.js';

export type { Logger, LogLevel, LoggerOptions } from './logger.js';

// Building blocks for platform packages that assemble a client from the flow functions instead of
// ClientApplication (e.g. @tessera/browser, whose bundle must not carry what SPAs never use).
export { type FlowContext, type CallDiagnostics, runCall, diagnosticParameters, libraryHeaders } from './flows/context.js';
export { initiateAuthCodeFlow, acquireTokenByAuthCodeFlow, refreshAuthUri } from './flows/auth-code.js';
export { endSessionUrl } from './flows/logout.js';
export { acquireTokenSilent } from './flows/silent.js';
export { getAuthorityMetadata } from './authority/discovery.js';
export { CachePersistence, type PersistenceState } from './cache/cache-store.js';
export { DpopSession, dpopHeaders, fetchWithDpop, isOneKeyPair } from './crypto/dpop.js';
export { dpopContext } from './flows/dpop-request.js';
export { SingleFlight } from './client/single-flight.js';
export { checkClientIdentity } from './client/client-options.js';
export { LogSink } from './logger.js';
export { accountsOf } from './results.js';
export { removeAccountOf, type AccountAuthority } from './cache/token-cache.js';
// The checks of server answers, for the answers platform packages parse themselves (managed identity endpoints, CLIs).
export { MAX_SERVER_SECONDS, seconds as secondsSchema, accessToken as accessTokenSchema, describeIssue, isLoopbackHost, withQuery } from './http/schemas.js';
// The one redaction of request secrets from server text, for endpoints platform packages call themselves (managed identity).
export { redactor } from './http/redaction.js';
export {
  TesseraError,
  ConfigurationError,
  ServerError,
  InteractionRequiredError,
  ValidationError,
  InvalidResponseError,
  NetworkError,
  ThrottledError,
  AbortError,
  throwIfAborted,
  describeCause,
  TokenRevocationError,
  type ServerErrorDetails,
} from './errors.js';
export type { RevocableTokenType } from './flows/revocation.js';
export type { UserInfo } from './flows/userinfo.js';
