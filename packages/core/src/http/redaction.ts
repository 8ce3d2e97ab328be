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
const strictPercent = (value: string) => encodeURIComponent(value).replace(/[!'()*~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
/** JSON string content; with `\/` and `\uXXXX` for non-ASCII as some serializers write it. */
const jsonString = (value: string) => JSON.stringify(value).slice(1, -1);
const asciiJson = (value: string) => jsonString(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
const html = (value: string) => value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * Every spelling of a raw secret a request may carry and a server echo back: as is, URL/query
 * encoded (`%20`), form-urlencoded (`+` for space, `~!'()*` percent-encoded, as URLSearchParams
 * writes the body), Basic-credential encoded (`%20` as `+`), strict RFC 3986, JSON-escaped and
 * HTML-escaped. Matching is case-insensitive, so `%7e` and `%7E` both go.
 */
export function secretSpellings(raw: string): string[] {
  const form = new URLSearchParams({ v: raw }).toString().slice(2);
  const url = encodeURIComponent(raw);
  const strict = strictPercent(raw);
  const spellings = [raw, url, form, url.replace(/%20/g, '+'), strict, strict.replace(/%20/g, '+'), jsonString(raw), jsonString(raw).replace(/\//g, '\\/'), asciiJson(raw), html(raw)];
  return [...new Set(spellings)].filter(Boolean);
}

/** The raw secret values a request carries: secret form parameters, and the Basic credentials with the secret inside them. */
export function requestSecrets(request: HttpRequest): string[] {
  const out: string[] = [];
  if (request.body) {
    const params = new URLSearchParams(request.body);
    for (const name of SECRET_PARAMS) for (const value of params.getAll(name)) out.push(value);
  }
  const auth = Object.entries(request.headers ?? {}).find(([name]) => name.toLowerCase() === 'authorization')?.[1];
  const basic = auth && /^basic\s+(\S+)/i.exec(auth)?.[1];
  if (basic) {
    out.push(basic);
    try {
      const decoded = atob(basic);
      // RFC 6749 2.3.1: "id:secret", each form-encoded before base64.
      out.push(decoded, new URLSearchParams(`v=${decoded.slice(decoded.indexOf(':') + 1)}`).get('v') ?? '');
    } catch {
      // not base64: the header value itself is hidden above
    }
  }
  return out;
}

/** A quoted piece of a secret at least this long is hidden too (a gateway may cut its quote mid-secret). */
const FRAGMENT = 12;

/**
 * A function that cleans server text of the given raw secrets and caps its length. Each spelling
 * (see secretSpellings) is hidden wherever it appears, and so is any run of 12 or more characters
 * that starts a spelling or ends one (a quote the server cut short). Redaction runs before the
 * cap, so a cut never leaves the start of a secret behind; the text scanned is bounded first.
 */
export function redactor(rawSecrets: readonly string[]): (text: string) => string {
  const spellings = [...new Set(rawSecrets.filter(Boolean).flatMap(secretSpellings))];
  if (spellings.length === 0) return (text) => capText(text);
  // Seeds: whole short spellings, and the first and last 12 characters of longer ones.
  const seeds = new Map<string, { spelling: string; head: boolean }[]>();
  const addSeed = (seed: string, spelling: string, head: boolean) => {
    const key = seed.toLowerCase();
    seeds.set(key, [...(seeds.get(key) ?? []), { spelling, head }]);
  };
  for (const spelling of spellings) {
    addSeed(spelling.slice(0, FRAGMENT), spelling, true);
    if (spelling.length > FRAGMENT) addSeed(spelling.slice(-FRAGMENT), spelling, false);
  }
  const pattern = new RegExp([...seeds.keys()].sort((a, b) => b.length - a.length).map(escapeRegExp).join('|'), 'gi');
  const longest = Math.max(...spellings.map((s) => s.length));
  return (input) => {
    const text = input.length > MAX_SERVER_TEXT + longest ? input.slice(0, MAX_SERVER_TEXT + longest) : input;
    const hidden: [number, number][] = [];
    pattern.lastIndex = 0;
    // Overlapping seeds all count: step one character past each match, not past its end.
    for (let match = pattern.exec(text); match; pattern.lastIndex = match.index + 1, match = pattern.exec(text)) {
      const at = match.index;
      for (const { spelling, head } of seeds.get(match[0].toLowerCase()) ?? []) {
        if (head) {
          let end = at + match[0].length;
          while (end < text.length && end - at < spelling.length && sameChar(text[end]!, spelling[end - at]!)) end++;
          // A short spelling counts only when whole; a long one from 12 characters on.
          if (end - at >= Math.min(spelling.length, FRAGMENT)) hidden.push([at, end]);
        } else {
          const stop = at + match[0].length;
          let begin = at;
          while (begin > 0 && stop - begin < spelling.length && sameChar(text[begin - 1]!, spelling[spelling.length - (stop - begin) - 1]!)) begin--;
          hidden.push([begin, stop]);
        }
      }
    }
    return capText(input.length === text.length ? hide(text, hidden) : `${hide(text, hidden)}...`);
  };
}

const sameChar = (a: string, b: string) => a === b || a.toLowerCase() === b.toLowerCase();

/** Replaces the (possibly overlapping) ranges with one REDACTED each run. */
function hide(text: string, ranges: [number, number][]): string {
  if (ranges.length === 0) return text;
  ranges.sort((a, b) => a[0] - b[0]);
  let out = '';
  let pos = -1;
  for (const [begin, end] of ranges) {
    if (begin <= pos) pos = Math.max(pos, end);
    else {
      out += text.slice(Math.max(pos, 0), begin) + REDACTED;
      pos = end;
    }
  }
  return out + text.slice(pos);
}

/** Cuts text longer than `max` characters, saying so. */
export function capText(text: string, max = MAX_SERVER_TEXT): string {
  return text.length <= max ? text : `${text.slice(0, max)}... (${text.length - max} more characters cut)`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}
