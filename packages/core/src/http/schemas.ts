// Response shapes, checked by a few small combinators: a validation library would be half of a
// browser bundle's size (@tessera/browser's CDN file has a 12 kB gzip budget), and these
// responses need only types, lengths, URLs and digits checked. Unknown fields are kept.

/** The failing field's path and what was wrong; undefined when the value is acceptable. */
type Issue = [path: string, message: string];
type Check = (value: unknown) => Issue | undefined;

/** A checked shape of T (the type parameter only carries the result type). */
export interface Schema<T> {
  check: Check;
  readonly type?: T;
}

const fail = (message: string): Issue => ['', message];
const within = (key: string | number, issue: Issue | undefined): Issue | undefined =>
  issue && [issue[0] ? `${key}.${issue[0]}` : String(key), issue[1]];
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const string = (minLength = 0): Check => (v) =>
  typeof v !== 'string' ? fail('expected a string') : v.length < minLength ? fail('expected a non-empty string') : undefined;
const number: Check = (v) => (typeof v === 'number' && Number.isFinite(v) ? undefined : fail('expected a number'));
const boolean: Check = (v) => (typeof v === 'boolean' ? undefined : fail('expected a boolean'));
/** Seconds: a JSON number, or a string of digits as some Entra endpoints send. */
const seconds: Check = (v) =>
  (typeof v === 'number' && Number.isFinite(v) && v >= 0) || (typeof v === 'string' && /^\d+$/.test(v))
    ? undefined
    : fail('expected a non-negative number of seconds');
const url: Check = (v) => {
  try {
    return /^https?:$/.test(new URL(v as string).protocol) ? undefined : fail('expected an http(s) URL');
  } catch {
    return fail('expected a URL');
  }
};
const optional = (check: Check): Check => (v) => (v === undefined ? undefined : check(v));
const array = (item: Check): Check => (v) => {
  if (!Array.isArray(v)) return fail('expected an array');
  for (let i = 0; i < v.length; i++) {
    const issue = within(i, item(v[i]));
    if (issue) return issue;
  }
  return undefined;
};
const object = (fields: Record<string, Check>): Check => (v) => {
  if (!isRecord(v)) return fail('expected an object');
  for (const key in fields) {
    const issue = within(key, fields[key]!(v[key]));
    if (issue) return issue;
  }
  return undefined;
};
const schema = <T>(fields: Record<string, Check>): Schema<T> => ({ check: object(fields) });

/** `value` as T when it conforms, else undefined. */
export function parseShape<T>(s: Schema<T>, value: unknown): T | undefined {
  return s.check(value) ? undefined : (value as T);
}

export interface TokenResponse {
  access_token: string;
  token_type: string;
  expires_in?: number | string;
  ext_expires_in?: number | string;
  refresh_in?: number | string;
  refresh_token?: string;
  id_token?: string;
  scope?: string;
  client_info?: string;
  foci?: string;
  [extra: string]: unknown;
}

export const tokenResponseSchema = schema<TokenResponse>({
  access_token: string(1),
  token_type: string(1),
  expires_in: optional(seconds),
  ext_expires_in: optional(seconds),
  refresh_in: optional(seconds),
  refresh_token: optional(string()),
  id_token: optional(string()),
  scope: optional(string()),
  client_info: optional(string()),
  foci: optional(string()),
});

export interface ErrorResponse {
  error: string;
  error_description?: string;
  error_codes?: number[];
  correlation_id?: string;
  trace_id?: string;
  claims?: string;
  suberror?: string;
  [extra: string]: unknown;
}

export const errorResponseSchema = schema<ErrorResponse>({
  error: string(),
  error_description: optional(string()),
  error_codes: optional(array(number)),
  correlation_id: optional(string()),
  trace_id: optional(string()),
  claims: optional(string()),
  suberror: optional(string()),
});

export interface DiscoveryDocument {
  issuer: string;
  authorization_endpoint?: string;
  token_endpoint: string;
  jwks_uri?: string;
  device_authorization_endpoint?: string;
  end_session_endpoint?: string;
  token_endpoint_auth_methods_supported?: string[];
  authorization_response_iss_parameter_supported?: boolean;
  /** Other fields are kept unchecked: nothing reads them. */
  [extra: string]: unknown;
}

export const discoverySchema = schema<DiscoveryDocument>({
  issuer: string(1),
  authorization_endpoint: optional(url),
  token_endpoint: url,
  jwks_uri: optional(url),
  device_authorization_endpoint: optional(url),
  end_session_endpoint: optional(url),
  token_endpoint_auth_methods_supported: optional(array(string())),
  authorization_response_iss_parameter_supported: optional(boolean),
});

export interface DeviceAuthorizationResponse {
  device_code: string;
  user_code: string;
  verification_uri?: string;
  /** Entra's v1 endpoint spells it verification_url. */
  verification_url?: string;
  verification_uri_complete?: string;
  expires_in: number | string;
  interval?: number | string;
  message?: string;
  [extra: string]: unknown;
}

export const deviceAuthorizationSchema = schema<DeviceAuthorizationResponse>({
  device_code: string(1),
  user_code: string(1),
  verification_uri: optional(string()),
  verification_url: optional(string()),
  verification_uri_complete: optional(string()),
  expires_in: seconds,
  interval: optional(seconds),
  message: optional(string()),
});

export interface InstanceDiscoveryResponse {
  tenant_discovery_endpoint?: string;
  metadata?: { preferred_network: string; preferred_cache?: string; aliases: string[]; [extra: string]: unknown }[];
  error?: string;
  [extra: string]: unknown;
}

export const instanceDiscoverySchema = schema<InstanceDiscoveryResponse>({
  tenant_discovery_endpoint: optional(string()),
  metadata: optional(array(object({ preferred_network: string(), preferred_cache: optional(string()), aliases: array(string()) }))),
  error: optional(string()),
});

export interface JwksResponse {
  keys: { kty: string; [extra: string]: unknown }[];
  [extra: string]: unknown;
}

export const jwksSchema = schema<JwksResponse>({ keys: array(object({ kty: string() })) });

export function toSeconds(value: number | string | undefined): number | undefined {
  return value === undefined ? undefined : Number(value);
}
