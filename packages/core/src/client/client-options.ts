// The options every client (core's and @tessera/browser's) checks when it is built. Its own module:
// the browser bundle takes this schema without ClientApplication's flows and their option schemas.
import * as z from 'zod/mini';
import { checkOptions, custom, flag, isString, nonEmpty, oneOf, optional, optionalString, strings } from '../http/schemas.js';

/** What every client needs: its id and where its authority is (also checked by @tessera/browser). */
const clientId = nonEmpty('expected the client id registered with the provider');
// The authorities' URL checks are resolveAuthority's: a string is all that is checked here.
const authority = optionalString;
const oidcAuthority = optionalString;
const NOT_AN_OBJECT = 'expected an options object with at least clientId';
// No object spreads in schema arguments: bundlers keep a schema built with one, used or not.
const clientIdentitySchema = z.looseObject({ clientId, authority, oidcAuthority }, NOT_AN_OBJECT);

const optionalStrings = optional(strings());
/** The options ClientApplication checks when it is built (its own fields; the rest pass through). */
const clientOptionsSchema = z.looseObject(
  {
    clientId,
    authority,
    oidcAuthority,
    knownEntraHosts: optionalStrings,
    knownAuthorities: optionalStrings,
    clientCapabilities: optionalStrings,
    excludeScopes: optionalStrings,
    authorityMetadata: optional(custom<string>(isString, 'expected the discovery document as a JSON string')),
    clockSkewSeconds: optional(custom<number>((v) => typeof v === 'number' && v >= 0, 'expected seconds (a number, 0 or more)')),
    cachePartitioning: optional(oneOf(['single', 'perKey'], 'expected "single" or "perKey"')),
    instanceDiscovery: optional(flag()),
    validateAuthority: optional(flag()),
    dpop: optional(
      custom<unknown>((v) => typeof v === 'boolean' || (typeof v === 'object' && v !== null && 'key' in v), 'expected true, false or { key: a CryptoKeyPair or a private P-256 JWK }'),
    ),
    pushedAuthorizationRequests: optional(oneOf(['auto', 'always', 'never'], 'expected "auto", "always" or "never"')),
    appName: optional(custom<string>(isString, 'expected the app name as a string')),
    appVersion: optional(custom<string>(isString, 'expected the app version as a string')),
  },
  NOT_AN_OBJECT,
);

const MESSAGE_PREFIX = 'Client configuration';
/** Checks a ClientApplication's options; ConfigurationError names the wrong one. */
export function checkClientOptions<T>(options: T): T {
  return checkOptions(clientOptionsSchema, options, MESSAGE_PREFIX);
}

/** Checks what every client needs (clientId, authority), for clients built on core's flows (@tessera/browser). */
export function checkClientIdentity<T>(options: T): T {
  return checkOptions(clientIdentitySchema, options, MESSAGE_PREFIX);
}
