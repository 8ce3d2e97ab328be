/** Scopes every OIDC sign-in carries; they never select an access token. */
export const OIDC_SCOPES: ReadonlySet<string> = new Set(['openid', 'profile', 'offline_access']);

/** Splits, trims, de-duplicates; keeps the caller's order. */
export function normalizeScopes(scopes: string | readonly string[] | undefined): string[] {
  const seen = new Set<string>();
  // A scope-token never holds whitespace (RFC 6749 3.3): ['a b'] is two scopes, as 'a b' is. Splitting
  // at whitespace trims too (split's \s is trim's whitespace), leaving '' at the ends only.
  return (typeof scopes === 'string' ? scopes : (scopes ?? []).join(' ')).split(/\s+/).filter((s) => s && !seen.has(s.toLowerCase()) && seen.add(s.toLowerCase()));
}

/** The scopes without the OIDC ones, as given (an access token's cached target keeps the server's case). */
export const withoutOidcScopes = (scopes: readonly string[]): string[] => scopes.filter((s) => !OIDC_SCOPES.has(s.toLowerCase()));

/** Scopes used to match cached access tokens: lower-cased, without the OIDC scopes. */
export function resourceScopes(scopes: readonly string[]): string[] {
  return withoutOidcScopes(scopes).map((s) => s.toLowerCase());
}

const lookups = new Map<string, readonly string[]>();

/**
 * resourceScopes of normalizeScopes(scopes), remembered per distinct request (an app asks for a
 * few): a cache hit does not split and lower-case them again. Frozen: they are shared.
 */
export function lookupScopes(scopes: string | readonly string[] | undefined): readonly string[] {
  // normalizeScopes joins an array with spaces first, so the joined string stands for the array.
  const key = typeof scopes === 'string' ? scopes : (scopes ?? []).join(' ');
  let found = lookups.get(key);
  if (!found) {
    if (lookups.size >= 256) lookups.clear(); // an app asking for ever new scopes
    lookups.set(key, (found = Object.freeze(resourceScopes(normalizeScopes(key)))));
  }
  return found;
}

/** Scopes sent to the server: the caller's plus the OIDC ones a user sign-in needs. */
export function withOidcScopes(scopes: readonly string[], excluded: readonly string[] = []): string[] {
  return normalizeScopes([...scopes, ...[...OIDC_SCOPES].filter((s) => !excluded.includes(s))]);
}
