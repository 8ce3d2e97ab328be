// Response shapes, checked with zod/mini (small enough for browser bundles).
import * as z from 'zod/mini';

/** Seconds: a JSON number, or a string of digits as some Entra endpoints send. */
const seconds = z.union([z.number().check(z.nonnegative()), z.string().check(z.regex(/^\d+$/))]);

export const tokenResponseSchema = z.looseObject({
  access_token: z.string().check(z.minLength(1)),
  token_type: z.string().check(z.minLength(1)),
  expires_in: z.optional(seconds),
  ext_expires_in: z.optional(seconds),
  refresh_in: z.optional(seconds),
  refresh_token: z.optional(z.string()),
  id_token: z.optional(z.string()),
  scope: z.optional(z.string()),
  client_info: z.optional(z.string()),
  foci: z.optional(z.string()),
});
export type TokenResponse = z.infer<typeof tokenResponseSchema>;

export const errorResponseSchema = z.looseObject({
  error: z.string(),
  error_description: z.optional(z.string()),
  error_codes: z.optional(z.array(z.number())),
  correlation_id: z.optional(z.string()),
  trace_id: z.optional(z.string()),
  claims: z.optional(z.string()),
  suberror: z.optional(z.string()),
});

const url = z.url({ protocol: /^https?$/ });

export const discoverySchema = z.looseObject({
  issuer: z.string().check(z.minLength(1)),
  authorization_endpoint: z.optional(url),
  token_endpoint: url,
  jwks_uri: z.optional(url),
  device_authorization_endpoint: z.optional(url),
  end_session_endpoint: z.optional(url),
  userinfo_endpoint: z.optional(url),
  token_endpoint_auth_methods_supported: z.optional(z.array(z.string())),
  response_modes_supported: z.optional(z.array(z.string())),
  code_challenge_methods_supported: z.optional(z.array(z.string())),
  authorization_response_iss_parameter_supported: z.optional(z.boolean()),
});
export type DiscoveryDocument = z.infer<typeof discoverySchema>;

export const deviceAuthorizationSchema = z.looseObject({
  device_code: z.string().check(z.minLength(1)),
  user_code: z.string().check(z.minLength(1)),
  verification_uri: z.optional(z.string()),
  // Entra's v1 endpoint spells it verification_url.
  verification_url: z.optional(z.string()),
  verification_uri_complete: z.optional(z.string()),
  expires_in: seconds,
  interval: z.optional(seconds),
  message: z.optional(z.string()),
});

export const instanceDiscoverySchema = z.looseObject({
  tenant_discovery_endpoint: z.optional(z.string()),
  metadata: z.optional(
    z.array(z.looseObject({ preferred_network: z.string(), preferred_cache: z.optional(z.string()), aliases: z.array(z.string()) })),
  ),
  error: z.optional(z.string()),
});

export const jwksSchema = z.looseObject({ keys: z.array(z.looseObject({ kty: z.string() })) });

export function toSeconds(value: number | string | undefined): number | undefined {
  return value === undefined ? undefined : Number(value);
}
