import type { HttpClient, HttpResponse } from '@tessera/core';

/** One challenge of a `WWW-Authenticate` header: its scheme and auth-params (names in lower case). */
export interface Challenge {
  /** The scheme as sent (`Basic`, `Bearer`, `DPoP`). */
  scheme: string;
  /** The auth-params, quoted strings unescaped. */
  params: Record<string, string>;
}

const TOKEN = /[!#$%&'*+.^_`|~0-9A-Za-z-]+/y;
const SEPARATORS = /[\s,]*/y;
const EQUALS = /\s*=\s*/y;
const QUOTED = /"((?:[^"\\]|\\.)*)"/y;
const BARE_VALUE = /[^\s,]*/y;

function take(re: RegExp, text: string, at: number): RegExpExecArray | null {
  re.lastIndex = at;
  return re.exec(text);
}

/**
 * The challenges of a `WWW-Authenticate` header (RFC 9110 11.6.1), several headers being joined by
 * commas: `Basic realm="x", error="invalid_client"` or `Bearer realm="x", DPoP algs="ES256", error="use_dpop_nonce"`.
 * Parsing stops at the first text that fits no rule, or a quote never closed.
 */
export function parseChallenges(header: string): Challenge[] {
  const challenges: Challenge[] = [];
  let at = 0;
  for (;;) {
    at += take(SEPARATORS, header, at)![0].length;
    const name = take(TOKEN, header, at);
    if (!name) return challenges;
    at += name[0].length;
    const equals = take(EQUALS, header, at);
    if (!equals) {
      // No prototype: a param named `constructor` or `__proto__` is just a param.
      challenges.push({ scheme: name[0], params: Object.create(null) as Record<string, string> });
      continue;
    }
    at += equals[0].length;
    const quoted = take(QUOTED, header, at);
    // A quote never closed ends the header: reading on would scan the rest again at every param.
    if (!quoted && header[at] === '"') return challenges;
    const value = quoted ?? take(BARE_VALUE, header, at)!;
    at += value[0].length;
    // A param before any scheme belongs to no challenge; a token68 ("abc==") becomes a harmless param.
    const current = challenges.at(-1);
    if (current) current.params[name[0].toLowerCase()] ??= quoted ? quoted[1]!.replace(/\\(.)/g, '$1') : value[0];
  }
}

/**
 * An OAuth error a server gave only in `WWW-Authenticate` (RFC 6750 3, RFC 9449 7.1; oidc-provider
 * sends a `Basic error="invalid_client"` challenge beside its JSON body, and a gateway may drop the
 * body or put a page in its place), as the JSON error body core reads:
 * `{"error": ..., "error_description": ...}` from the first challenge that has an `error`. Undefined
 * when the response is no error, its body already is an OAuth error, or no challenge names one.
 * Core then gives the typed error (ServerError, InteractionRequiredError) with the description
 * redacted of the request's secrets, and a token request answered `use_dpop_nonce` so is retried.
 */
export function challengeErrorBody(response: HttpResponse): string | undefined {
  const header = response.headers['www-authenticate'];
  if (response.status < 400 || !header || hasOAuthError(response.body)) return undefined;
  const challenge = parseChallenges(header).find((c) => c.params.error);
  if (!challenge) return undefined;
  const { error, error_description } = challenge.params;
  return JSON.stringify({ error, ...(error_description === undefined ? {} : { error_description }) });
}

function hasOAuthError(body: string): boolean {
  try {
    return typeof (JSON.parse(body) as { error?: unknown } | null)?.error === 'string';
  } catch {
    return false;
  }
}

/**
 * `http` handing over an OAuth error given only in `WWW-Authenticate` as the response's JSON body
 * (see challengeErrorBody). NodeHttpClient's answers come through it, and so do those of an
 * `httpClient` a Node client is given (createNodeHttpClient). Core cannot do it for every
 * HttpClient: the parser would add about 400 B gzipped to the browser bundles, for a header that
 * browsers hide across origins unless the server exposes it.
 */
export function readingChallenges(http: HttpClient): HttpClient {
  return {
    async send(request) {
      const response = await http.send(request);
      const body = challengeErrorBody(response);
      return body === undefined ? response : { ...response, body };
    },
  };
}
