import { ConfigurationError } from '../errors.js';

/**
 * The parameters of a request: the library's own, then the caller's extras. Every name the
 * library sets (even when it has no value this time, e.g. `prompt`) is a protocol parameter an
 * extra may not replace: an extra `state`, `redirect_uri` or `code_challenge` would undo CSRF,
 * redirect or PKCE protection. Names compare case-insensitively, as some servers read them so.
 * A conflict is a ConfigurationError naming the parameter (and the option to use instead).
 */
export function withExtraParameters(
  builtIn: Record<string, string | undefined>,
  extra: Record<string, string> | undefined,
  option = 'extraQueryParameters',
): Record<string, string | undefined> {
  if (!extra) return builtIn;
  const reserved = Object.keys(builtIn).map((name) => name.toLowerCase());
  for (const name of Object.keys(extra)) {
    if (reserved.includes(name.toLowerCase())) throw new ConfigurationError(`\`${option}\` must not set "${name}" (the library does: use its option)`);
  }
  return { ...extra, ...builtIn };
}
