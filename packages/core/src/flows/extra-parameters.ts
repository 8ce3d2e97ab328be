import { ConfigurationError } from '../errors.js';

/**
 * Names reserved even though the library does not send them: `request` (RFC 9101) and `request_uri`
 * (RFC 9101, 9126) carry a whole authorization request that the provider reads instead of the
 * other parameters, so an extra one would undo every protection below.
 */
const REQUEST_OBJECT = ['request', 'request_uri'];

/**
 * The parameters of a request: the library's own, then the caller's extras. Every name the
 * library sets (even when it has no value this time, e.g. `prompt`) is a protocol parameter an
 * extra may not replace: an extra `state`, `redirect_uri` or `code_challenge` would undo CSRF,
 * redirect or PKCE protection; so are REQUEST_OBJECT's. Names compare case-insensitively, as some
 * servers read them so. A conflict is a ConfigurationError naming the parameter (and what to use instead).
 */
export function withExtraParameters(
  builtIn: Record<string, string | undefined>,
  extra: Record<string, string> | undefined,
  option = 'extraQueryParameters',
): Record<string, string | undefined> {
  if (!extra) return builtIn;
  const reserved = Object.keys(builtIn).map((name) => name.toLowerCase());
  for (const name of Object.keys(extra)) {
    const lower = name.toLowerCase();
    if (REQUEST_OBJECT.includes(lower)) throw new ConfigurationError(`\`${option}\` must not set "${name}": it would replace the whole request, state and PKCE included (to push, use pushedAuthorizationRequests)`);
    if (reserved.includes(lower)) throw new ConfigurationError(`\`${option}\` must not set "${name}" (the library does: use its option)`);
  }
  return { ...extra, ...builtIn };
}
