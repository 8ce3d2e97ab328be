// @tessera/browser: sign-in for single-page apps on top of @tessera/core.
export {
  BrowserClient,
  createBrowserClient,
  type BrowserClientOptions,
  type BrowserAuthResult,
  type InteractiveRequest,
  type SilentRequest,
  type LogoutRequest,
} from './browser-client.js';
export { BrowserAuthError, type BrowserAuthErrorCode } from './errors.js';
export type { BrowserClientEvents } from './events.js';
export { IndexedDbCacheStore } from './stores.js';
export { browserDpop, type BrowserDpop } from './dpop.js';
export { browserPopup, type PopupOptions } from './popup.js';
export { FLOW_STALE_AFTER_MS, STALE_AFTER_MS } from './interaction.js';

// Core's errors and types that browser apps handle, so one import serves both (and the CDN file).
export {
  TesseraError,
  InteractionRequiredError,
  ServerError,
  ValidationError,
  NetworkError,
  type AccountInfo,
  type AuthenticationResult,
  type CacheStore,
  type Prompt,
} from '@tessera/core';
