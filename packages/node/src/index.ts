// @tessera/node: Node.js platform code for @tessera/core.

// ---- Cache stores (file and Redis persistence of the token cache) ----
export {
  FileCacheStore,
  tokenCachePersistence,
  partitionFileKey,
  DEFAULT_PARTITION,
  type FileCacheStoreOptions,
} from './cache/file-cache-store.js';
export {
  RedisCacheStore,
  createRedisCacheStore,
  type RedisCacheStoreOptions,
  type RedisStoreStats,
  type RedisConnectionOptions,
  type RedisClientLike,
  type BreakerState,
} from './cache/redis-cache-store.js';
export { CacheStoreUnavailableError, CacheStoreBusyError, CacheStoreRefusedError, type CacheStoreRefusal } from './cache/errors.js';
export { keyringEncryption, type CacheEncryption, type KeyringEncryptionOptions } from './cache/keyring-encryption.js';
// ---- end of cache stores ----

// ---- Transport, interactive sign-in, device code (HTTP layer and public-client UX) ----
export { NodeHttpClient, createNodeHttpClient, type NodeHttpClientOptions, type TransportOptions } from './http/node-http-client.js';
export { acquireTokenInteractive, type InteractiveOptions } from './interactive/acquire-token-interactive.js';
export { acquireTokenByDeviceCode, type DeviceCodeOptions } from './device-code.js';
export { NodePublicClientApplication, type NodePublicClientOptions } from './node-client.js';
export { NodeConfidentialClientApplication, type NodeConfidentialClientOptions } from './node-confidential-client.js';
// ---- end of transport, interactive sign-in, device code ----

// ---- Credentials (@azure/identity-shaped TokenCredential implementations) ----
export * from './credentials/index.js';
// ---- end of credentials ----

// ---- Core's errors and authority hosts, so Node apps catch and configure with one import ----
export {
  AzureAuthorityHosts,
  TesseraError,
  ConfigurationError,
  ServerError,
  InteractionRequiredError,
  ValidationError,
  InvalidResponseError,
  NetworkError,
  AbortError,
  CacheFormatError,
  TokenRevocationError,
  type ServerErrorDetails,
  type AccountInfo,
  type AuthenticationResult,
} from '@tessera/core';
