// Hiding request secrets in server text: a server or gateway that quotes the request back (in
// `error_description`, say) may quote it in any encoding the request used, so every spelling of
// each raw secret value is derived here and replaced, and echoed text is capped in length.
import type { HttpRequest } from './http-client.js';

/** Form parameters whose values are secrets. */
const SECRET_PARAMS = ['code', 'code_verifier', 'refresh_token', 'client_secret', 'client_assertion', 'password', 'assertion', 'device_code'];

/** What replaces a secret. */
export const REDACTED = '<redacted>';

/** Longest server text kept in an error field; the rest is cut (a gateway may echo a whole body). */
export const MAX_SERVER_TEXT = 1024;

/** `!'()*~` percent-encoded too (RFC 3986 strict), which encodeURIComponent leaves alone. */
const strictPercent = (value: string) => encodeURIComponent(value).replace(/[!'()*~]/g, (c) => `%${c.charCodeAt(0).toString(16)}`);
const jsonString = (value: string) => JSON.stringify(value).slice(1, -1);

/**
 * Every spelling of a raw secret a request may carry and a server echo back: as is, URL/query
 * encoded (`%20`), form-urlencoded (`+` for space, `~!'()*` percent-encoded, as URLSearchParams
 * writes the body), Basic-credential encoded (`%20` as `+`), strict RFC 3986, JSON-escaped (also
 * with `\/`, and with `\uXXXX` for non-ASCII). Matching is case-insensitive, so `%7e` and `%7E` both go.
 */
export function secretSpellings(raw: string): string[] {
  const url = encodeURIComponent(raw);
  const strict = strictPercent(raw);
  const json = jsonString(raw);
  return [raw, url, new URLSearchParams({ v: raw }).toString().slice(2), url.replace(/%20/g, '+'), strict, strict.replace(/%20/g, '+'), json, json.replace(/\//g, '\\/'), json.replace(/[^\0-~]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)];
}

/**
 * The raw secret values of a request's secret form parameters. Secrets sent elsewhere (the Basic
 * credentials of client_secret_basic) are listed by what put them there (ClientAuthentication.secrets).
 */
export function requestSecrets(request: HttpRequest): string[] {
  const form = new URLSearchParams(request.body);
  return SECRET_PARAMS.flatMap((name) => form.getAll(name));
}

/** A quoted piece of a secret at least this long is hidden too (a gateway may cut its quote mid-secret). */
const FRAGMENT = 12;

/** ASCII letters folded (length-preserving), so `%7e` matches `%7E`. */
const fold = (text: string) => text.replace(/[A-Z]+/g, (c) => c.toLowerCase());

/**
 * A function that cleans server text of the given raw secrets and caps its length. Every
 * spelling (see secretSpellings) is hidden wherever it appears, and so is every run of 12 or more
 * characters of one (a quote the server cut short, at either end). Redaction runs before the cap,
 * so a cut never leaves the start of a secret behind; the text scanned is bounded first.
 */
export function redactor(rawSecrets: readonly string[]): (text: string) => string {
  // Each 12-character piece of each spelling (a shorter spelling whole): any quote of 12 or more
  // characters of a spelling is made of such pieces.
  const pieces = new Set<string>();
  let longest = 0;
  for (const spelling of rawSecrets.filter(Boolean).flatMap(secretSpellings).map(fold)) {
    longest = Math.max(longest, spelling.length);
    for (let at = 0; at === 0 || at + FRAGMENT <= spelling.length; at++) pieces.add(spelling.slice(at, at + FRAGMENT));
  }
  const sizes = new Set([...pieces].map((piece) => piece.length));
  const scanned = MAX_SERVER_TEXT + longest;
  return (input) => {
    const text = input.length > scanned ? `${input.slice(0, scanned)}...` : input;
    const folded = fold(text);
    const hidden = new Uint8Array(text.length);
    for (let at = 0; at < text.length; at++) for (const size of sizes) if (pieces.has(folded.substr(at, size))) hidden.fill(1, at, at + size);
    // Each hidden run becomes one marker.
    return capText(text.replace(/[^]/g, (c, at: number) => (hidden[at] ? (hidden[at - 1] ? '' : REDACTED) : c)));
  };
}

/** Cuts text longer than `max` characters, saying so. */
export function capText(text: string, max = MAX_SERVER_TEXT): string {
  return text.length <= max ? text : `${text.slice(0, max)}... (${text.length - max} more characters cut)`;
}
