export { startDevAuthority } from './server.js';
export { startFrontDoor, startPathIssuers } from './front-door.js';
export type { FrontDoor, PathIssuers } from './front-door.js';
export { completeAuthorization, approveDeviceCode, denyDeviceCode } from './driver.js';
export type { AuthorizationOptions, AuthorizationResult, LoginOptions } from './driver.js';
export { DEV_PASSWORD_REJECTED } from './accounts.js';
export { API_RESOURCE, API_SCOPES } from './scopes.js';
export type { ResponseMode } from './response-modes.js';
export type { ClientAuthSeen, DevAuthority, DevAuthorityOptions, DevClients, RecordedRequest, RequestFilter } from './types.js';
