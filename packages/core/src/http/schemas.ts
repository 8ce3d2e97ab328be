// zod/mini schemas of what servers send.
// Objects are loose: fields nobody reads pass through unchecked and are kept. Types come from the
// schemas (z.infer). Bundle size: the browser's schemas use only zod's loose object, string,
// optional and unknown schemas with check functions: the other leaves (numbers, booleans, enums,
// unions, arrays of strings, URLs) are `custom` schemas below, so no further zod class is bundled
// (each costs a browser bundle 100-600 bytes gzipped; `z.array` only for arrays of objects, off the
// browser path). No object spreads in schema arguments at module
// level: bundlers keep such schemas; and a module-level `schema.check(...)` is a method call,
// marked pure so that unused schemas are dropped.
import * as z from 'zod/mini';
import { ConfigurationError } from '../errors.js';

/** The zod schemas this library parses untrusted values with. */
export type Schema<T = unknown> = z.ZodMiniType<T>;

/**
 * The upper bound of every duration a server gives (expires_in, ext_expires_in, refresh_in, device
 * code expires_in and interval): 24 days, in seconds. Larger values (1e20, 400 digits, Infinity)
 * are clamped to it: they would cache a token "forever" or give NaN dates, and a timer above
 * 2^31 ms (24.8 days) fires after 1 ms in JavaScript, so a device flow would poll non-stop.
 */
export const MAX_SERVER_SECONDS = 24 * 24 * 60 * 60;

/** Clamps seconds to [0, MAX_SERVER_SECONDS], whole seconds (cache timestamps are integers). */
export const clampSeconds = (seconds: number): number => Math.min(Math.floor(seconds), MAX_SERVER_SECONDS);

/** Whether `v` is a string. */
export const isString = (v: unknown): v is string => typeof v === 'string';

/**
 * A check function (for `schema.check(...)`): an issue when `test` refuses the value, a custom one
 * saying `issue` when it is text (a zod refine in fewer bytes), else `issue` itself.
 */
export const rule = /* @__NO_SIDE_EFFECTS__ */ <T>(test: (v: T) => boolean, issue?: string | object) => {
  const raw = typeof issue === 'object' ? issue : { code: 'custom', message: issue };
  return (payload: z.core.ParsePayload<T>): void => {
    if (!test(payload.value)) payload.issues.push({ ...raw, input: payload.value } as z.core.$ZodRawIssue);
  };
};

/**
 * A value `test` accepts, else an issue (see `rule`): a zod custom schema in fewer bytes (zod's
 * unknown schema, which every loose object carries anyway, with one check: zod's custom and check
 * classes stay out of bundles, about 190 bytes gzipped).
 */
export const custom = /* @__NO_SIDE_EFFECTS__ */ <T>(test: (v: unknown) => boolean, issue?: string | object): Schema<T> =>
  z.unknown().check(rule(test, issue)) as unknown as Schema<T>;

/** A string: zod's own string schema (its failure is zod's `invalid_type`, which callers read as a missing field). */
export const text = /* @__PURE__ */ z.string();

/** A string with at least one character. */
export const nonEmpty = /* @__NO_SIDE_EFFECTS__ */ (message = 'expected a non-empty string') => custom<string>((v) => isString(v) && v.length > 0, message);

/**
 * `schema`, or absent or undefined (z.optional, named here so every field reads the same way).
 * zod's own optional: the only supported way to let an object key be left out.
 */
export const optional = /* @__NO_SIDE_EFFECTS__ */ <T>(schema: Schema<T>) => z.optional(schema);

/** An optional string: one schema shared by every such field (fewer bytes in bundles). */
export const optionalString = optional(text);

/**
 * Seconds: a JSON number >= 0, or a string of digits as some Entra endpoints send; never negative
 * or NaN. Clamped to MAX_SERVER_SECONDS (see there): Infinity too, which a 400-digit JSON number
 * parses to.
 */
export const seconds = /* @__PURE__ */ custom<number>((v) => (typeof v === 'number' && v >= 0) || (typeof v === 'string' && /^\d+$/.test(v)), 'expected a non-negative number of seconds').check((payload) => {
  // A check function rather than z.overwrite: the same rewrite, one zod class fewer in bundles.
  payload.value = clampSeconds(Number(payload.value));
});

/** One of these strings (a zod enum, in fewer bytes). */
export const oneOf = /* @__NO_SIDE_EFFECTS__ */ <const T extends string>(values: readonly T[], message: string) => custom<T>((v) => values.includes(v as T), message);

const isNumber = (v: unknown): v is number => Number.isFinite(v);
/** true or false (a zod boolean, in fewer bytes: each further zod type costs a browser bundle 100-400 bytes gzipped). */
export const flag = /* @__NO_SIDE_EFFECTS__ */ (message = 'expected true or false') => custom<boolean>((v) => typeof v === 'boolean', message);
/** A finite JSON number (a zod number, in fewer bytes). */
export const finiteNumber = /* @__NO_SIDE_EFFECTS__ */ (message = 'expected a number') => custom<number>(isNumber, message);
/** An array of strings. */
const areStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every(isString);

/**
 * An array of strings (a zod array of strings, in fewer bytes: zod's array type costs a browser
 * bundle about 400 bytes gzipped). The error names the field; arrays of objects use `z.array`.
 */
export const strings = /* @__NO_SIDE_EFFECTS__ */ (message = 'expected an array of strings') => custom<string[]>(areStrings, message);

/** Whether `v` is a string or an array of strings. */
export const isStringOrStrings = (v: unknown): v is string | string[] => isString(v) || areStrings(v);

/** A string, or an array of strings (a zod union, in fewer bytes). */
export const stringOrStrings = /* @__NO_SIDE_EFFECTS__ */ (message: string) => custom<string | string[]>(isStringOrStrings, message);

/** `text` as JSON, or undefined when it is not JSON (no JSON text parses to undefined). */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A plain object (not an array, not null). */
export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** An absolute http(s) URL. */
const httpUrl = /* @__NO_SIDE_EFFECTS__ */ (message = 'expected an http(s) URL') => custom<string>((v) => isString(v) && /^https?:$/.test(urlOf(v)?.protocol ?? ''), message);

/** `url` (absolute) with these query parameters set, its own kept; unset and empty ones are left out. */
export function withQuery(url: string, params: Record<string, string | undefined>): string {
  const u = new URL(url);
  for (const [k, v] of Object.entries(params)) if (v) u.searchParams.set(k, v);
  return u.href;
}

/** The URL, or undefined when the text is not an absolute URL. */
export function urlOf(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

/** Hosts that are this machine: http is safe there (nothing crosses the network). */
export const isLoopbackHost = (hostname: string): boolean => hostname === '127.0.0.1' || hostname === 'localhost' || hostname === '[::1]';

/**
 * A URL we show the user or open for them: https, or http on loopback; never javascript:, data:, ...
 * Nor with a user name or password: `https://microsoft.com@attacker.example/` reads as microsoft.com.
 */
const userFacingUrl = /* @__PURE__ */ custom<string>((v) => {
  const u = isString(v) ? urlOf(v) : undefined;
  return !u?.username && !u?.password && (u?.protocol === 'https:' || (u?.protocol === 'http:' && isLoopbackHost(u.hostname)));
}, 'expected an https URL (http only on a loopback host) without user name or password');

/** The first issue as "field path" and what is wrong, for error messages (never the value itself). */
export function describeIssue(error: z.core.$ZodError): [path: string, message: string] {
  const { path, message, code, expected } = error.issues[0] as z.core.$ZodIssue & { expected?: string };
  // zod's own text is "Invalid input": ours names what was expected.
  const what = message !== 'Invalid input' ? message : code === 'invalid_type' ? `expected ${/^[aeiou]/.test(expected!) ? 'an' : 'a'} ${expected}` : 'invalid value';
  return [path.join('.'), what];
}

/**
 * The one way a zod failure becomes our error: `value` as the schema's output, or `fail` (given
 * the first issue's field path and what is wrong, never the value) thrown.
 */
export function parseOrThrow<T>(schema: Schema<T>, value: unknown, fail: (path: string, message: string) => Error): T {
  const result = z.safeParse(schema, value);
  if (result.success) return result.data;
  throw fail(...describeIssue(result.error));
}

/**
 * Parses `options` with `schema`; a ConfigurationError names the method, the option and what to
 * pass. Returns the options as given (zod's copy is not needed).
 */
export function checkOptions<T>(schema: Schema, options: T, method: string): T {
  parseOrThrow(schema, options, (path, message) => new ConfigurationError(`${method}: ${path ? `options.${path}` : 'options'}: ${message}`, 'invalid_options'));
  return options;
}

/** `value` as the schema's output when it conforms, else undefined. */
export const parseShape = <T>(schema: Schema<T>, value: unknown): T | undefined => z.safeParse(schema, value).data;

/**
 * An access token goes into Authorization headers and terminals (`tessera token`): RFC 6749's
 * VSCHARs only (printable ASCII and space), with at least one visible character. An empty or blank
 * token, or one carrying CR/LF or other control characters (header or terminal injection), is
 * refused. (A space is legal here; tools that build a header refuse it themselves.)
 */
export const accessToken = /* @__PURE__ */ text.check(rule((v: string) => /^[\x20-\x7e]*[\x21-\x7e][\x20-\x7e]*$/.test(v), 'expected printable ASCII with a visible character'));

export const tokenResponseSchema = z.looseObject({
  access_token: accessToken,
  token_type: nonEmpty(),
  expires_in: optional(seconds),
  ext_expires_in: optional(seconds),
  refresh_in: optional(seconds),
  refresh_token: optionalString,
  id_token: optionalString,
  scope: optionalString,
  client_info: optionalString,
  foci: optionalString,
});
export type TokenResponse = z.infer<typeof tokenResponseSchema>;

export const errorResponseSchema = z.looseObject({
  error: text,
  error_description: optionalString,
  error_codes: optional(custom<number[]>((v) => Array.isArray(v) && v.every(isNumber), 'expected an array of numbers')),
  correlation_id: optionalString,
  trace_id: optionalString,
  claims: optionalString,
  suberror: optionalString,
  timestamp: optionalString,
});
export type ErrorResponse = z.infer<typeof errorResponseSchema>;

export const discoverySchema = z.looseObject({
  /** The issuer identifier; must equal the configured authority. */
  issuer: nonEmpty(),
  /** Where users sign in. */
  authorization_endpoint: optional(httpUrl()),
  /** Where codes and refresh tokens are redeemed. */
  token_endpoint: httpUrl(),
  /** The issuer's signing keys. */
  jwks_uri: optional(httpUrl()),
  /** Where the device code flow starts (RFC 8628). */
  device_authorization_endpoint: optional(httpUrl()),
  /** Where RP-initiated logout goes. */
  end_session_endpoint: optional(httpUrl()),
  /** The client authentication methods the token endpoint accepts. */
  token_endpoint_auth_methods_supported: optional(strings()),
  /** Whether authorization responses carry `iss` (RFC 9207). */
  authorization_response_iss_parameter_supported: optional(flag()),
  /** The algorithms the provider accepts DPoP proofs in (RFC 9449 5.1); its presence does not say a client is DPoP-bound. */
  dpop_signing_alg_values_supported: optional(strings()),
  /** Where authorization requests are pushed (RFC 9126). */
  pushed_authorization_request_endpoint: optional(httpUrl()),
  /** Whether every authorization request must be pushed (RFC 9126). */
  require_pushed_authorization_requests: optional(flag()),
});
export type DiscoveryDocument = z.infer<typeof discoverySchema>;

/**
 * Discovery fields only some Node-side flows read (token revocation, UserInfo): checked when such a
 * flow runs (see discoveredEndpoint), not in discoverySchema, so browser bundles do not carry them.
 */
export const flowEndpointsSchema = /* @__PURE__ */ z.looseObject({
  /** Where tokens are revoked (RFC 7009 2; RFC 8414 2). */
  revocation_endpoint: optional(httpUrl()),
  /** Where the UserInfo endpoint is (OpenID Connect Core 5.3; Discovery 3). */
  userinfo_endpoint: optional(httpUrl()),
});
/** The endpoints flowEndpointsSchema checks. */
export type FlowEndpoint = 'revocation_endpoint' | 'userinfo_endpoint';

export const deviceAuthorizationSchema = /* @__PURE__ */ z
  .looseObject({
    device_code: nonEmpty(),
    user_code: nonEmpty(),
    verification_uri: optional(userFacingUrl),
    /** Entra's v1 endpoint spells it verification_url. */
    verification_url: optional(userFacingUrl),
    verification_uri_complete: optional(userFacingUrl),
    expires_in: seconds,
    interval: optional(seconds),
    message: optionalString,
  })
  .check(
    rule((r: { verification_uri?: string; verification_url?: string }) => r.verification_uri !== undefined || r.verification_url !== undefined, {
      code: 'custom',
      message: 'expected the URL where the user enters the code',
      path: ['verification_uri'],
    }),
  );
export type DeviceAuthorizationResponse = z.infer<typeof deviceAuthorizationSchema>;

export const instanceDiscoverySchema = z.looseObject({
  tenant_discovery_endpoint: optionalString,
  metadata: z.optional(z.array(z.looseObject({ preferred_network: text, preferred_cache: optionalString, aliases: strings() }))),
  error: optionalString,
  error_description: optionalString,
});
export type InstanceDiscoveryResponse = z.infer<typeof instanceDiscoverySchema>;

/**
 * A JWK Set: an array of objects. A member this client cannot use (no or an unknown `kty`, a
 * non-string `kid`) is ignored when keys are selected, not fatal to the set (RFC 7517 5): one odd
 * key must not stop every sign-in.
 */
export const jwksSchema = z.looseObject({ keys: z.array(z.looseObject({})) });
export type JwksResponse = z.infer<typeof jwksSchema>;
