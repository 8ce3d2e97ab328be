// DPoP (RFC 9449): ES256 proofs signed with WebCrypto directly (an ECDSA signature from WebCrypto
// is already the JWS r||s form), so no JOSE library is loaded for them; server nonces remembered
// per server (an authorization server by its token endpoint, a resource server by its origin).
// Nothing here needs Node or the DOM.
import { ConfigurationError, InvalidResponseError } from '../errors.js';
import type { FetchFunction } from '../http/http-client.js';
import type { AuthenticationResult } from '../results.js';
import { base64UrlEncode, randomToken, sha256Base64Url, utf8 } from './encoding.js';

/** The one DPoP algorithm Tessera signs with: ES256 (P-256), which every DPoP server supports. */
export const DPOP_ALG = 'ES256';
const EC_PARAMS = { name: 'ECDSA', namedCurve: 'P-256' } as const;

/**
 * The DPoP key: a WebCrypto ES256 key pair, a promise of one (e.g. read from a key store), or
 * a private P-256 JWK (`kty`, `crv`, `x`, `y`, `d`) to import.
 */
export type DpopKeySource = CryptoKeyPair | Promise<CryptoKeyPair> | (() => Promise<CryptoKeyPair>) | JsonWebKey;

/**
 * The `dpop` option: `true` generates a non-extractable ES256 key per client (in memory; tokens
 * bound to it are useless once the process ends, so persist a key to keep tokens across restarts);
 * `{ key }` uses yours.
 */
export type DpopOption =
  | boolean
  | {
      /** Your key: a CryptoKeyPair, a promise or function giving one, or a private P-256 JWK. */
      key: DpopKeySource;
    };

/** The headers of an API request with a DPoP-bound token. */
export interface DpopHeaders {
  /** `DPoP <access token>`. */
  authorization: string;
  /** The proof for this request. */
  dpop: string;
}

/** A loaded DPoP key: the pair, its public JWK and its RFC 7638 thumbprint (`jkt`). */
export interface DpopKey {
  /** The WebCrypto pair; the private key signs proofs. */
  keyPair: CryptoKeyPair;
  /** The public JWK sent in each proof's header (`kty`, `crv`, `x`, `y`). */
  publicJwk: { kty: string; crv: string; x: string; y: string };
  /** RFC 7638 SHA-256 thumbprint of the public JWK: the `jkt` the server binds tokens to, and the cache's `key_id`. */
  thumbprint: string;
}

/** What a proof is for: the request's method and URL, and for a resource request the access token (`ath`). */
export interface DpopProofRequest {
  /** The HTTP method, e.g. `GET`. */
  method: string;
  /** The request URL; its query and fragment are not part of `htu`. */
  url: string;
  /** The access token sent with the proof (resource requests): its hash goes into `ath`. */
  accessToken?: string;
  /** A nonce to use instead of the one remembered for the URL's origin. */
  nonce?: string;
}

/** Generates an ES256 key pair; `extractable` only when you want to export the private key to persist it. */
export function generateDpopKeyPair(extractable = false): Promise<CryptoKeyPair> {
  return globalThis.crypto.subtle.generateKey(EC_PARAMS, extractable, ['sign', 'verify']) as Promise<CryptoKeyPair>;
}

/**
 * The key pair of a `dpop: { key }` option (a JWK is imported; the private key stays non-extractable).
 * A pair's algorithm is checked where DpopSession loads it (es256Pair), as for every other source.
 * A P-256 pair must be one key: the app keeps this key (a file, a key store), and halves of two keys
 * would sign proofs that no server accepts, every request refused with nothing saying why. Refused
 * before any request rather than replaced by a new key: the stored key is the app's to fix, and a
 * replacement would only live in memory, losing the bound tokens at each restart.
 */
export async function dpopKeyPairFrom(source: DpopKeySource): Promise<CryptoKeyPair> {
  const value = await (typeof source === 'function' ? source() : source);
  if ('privateKey' in value && 'publicKey' in value) {
    if (await isOneKeyPair(value)) return value;
    throw new ConfigurationError('dpop.key: privateKey and publicKey are of two different keys; load both from the same stored key');
  }
  const jwk = value as JsonWebKey;
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || !jwk.d) {
    throw new ConfigurationError('dpop.key: expected a CryptoKeyPair or a private EC P-256 JWK (kty "EC", crv "P-256", with "d"); only ES256 is supported');
  }
  const { kty, crv, x, y, d } = jwk;
  const subtle = globalThis.crypto.subtle;
  try {
    return {
      privateKey: await subtle.importKey('jwk', { kty, crv, x, y, d }, EC_PARAMS, false, ['sign']),
      publicKey: await subtle.importKey('jwk', { kty, crv, x, y }, EC_PARAMS, true, ['verify']),
    };
  } catch (error) {
    // WebCrypto's DataError says neither which option nor what to fix.
    throw new ConfigurationError(
      `dpop.key: the private P-256 JWK could not be imported (${error instanceof Error ? error.message : String(error)}); check that x, y and d are its base64url members, all of one key`,
    );
  }
}

/**
 * Whether a key pair's halves are one key: a signature by the private key verifies with the public
 * one. Halves of two keys sign proofs that no server accepts. Also true for a pair that is no
 * usable ES256 pair at all: es256Pair (or WebCrypto at the first proof) says what is wrong with it.
 */
export async function isOneKeyPair(pair: CryptoKeyPair): Promise<boolean> {
  const subtle = globalThis.crypto.subtle;
  const probe = new Uint8Array(8);
  const es256 = { name: 'ECDSA', hash: 'SHA-256' };
  try {
    // Verified with a copy made for it: the public key itself may lack the `verify` usage.
    const { kty, crv, x, y } = await subtle.exportKey('jwk', pair.publicKey);
    const verifier = await subtle.importKey('jwk', { kty, crv, x, y }, EC_PARAMS, false, ['verify']);
    return await subtle.verify(es256, verifier, await subtle.sign(es256, pair.privateKey, probe), probe);
  } catch {
    return true;
  }
}

/**
 * The pair, once its private key is known to sign ES256: whoever made it (the `dpop: { key }`
 * option, a key store, code calling DpopSession directly), another algorithm or curve gets this
 * error instead of WebCrypto's nameless one at the first proof, or proofs the server refuses.
 */
function es256Pair(pair: CryptoKeyPair): CryptoKeyPair {
  const { name, namedCurve } = pair.privateKey.algorithm as EcKeyAlgorithm;
  if (name !== 'ECDSA' || namedCurve !== 'P-256') throw new ConfigurationError(`dpop.key: expected an ECDSA P-256 (ES256) key pair, got ${name}${namedCurve ? ` ${namedCurve}` : ''}`);
  return pair;
}

const encodeJson = (value: unknown) => base64UrlEncode(utf8(JSON.stringify(value)));

/** `htu`: the URL without query and fragment (RFC 9449 4.2). */
export function dpopHtu(url: string): string {
  const u = new URL(url);
  u.search = u.hash = '';
  return u.href;
}

/** A resource server's nonces are kept per origin (RFC 9449 9). */
const originOf = (url: string) => new URL(url).origin;

/**
 * One client's DPoP state: its key (loaded once) and the latest nonce each server gave. Servers
 * are told apart by a key: an authorization server by its token endpoint (several issuers, and
 * an API, may share one origin), a resource server by its origin; RFC 9449 9: the nonces of an
 * authorization server and a resource server are different.
 * `keyId` is set once the key is loaded, so cache lookups stay synchronous.
 */
export class DpopSession {
  /** The key's thumbprint once loaded. */
  keyId?: string;
  /** The nonce last received from each server (see the class). */
  readonly nonces = new Map<string, string>();
  /** The key, loaded (or generated) on first use; a failed load is not kept: the next call tries again. */
  readonly key: () => Promise<DpopKey>;

  /**
   * @param source - gives the key pair (see dpopKeyPairFrom for a `dpop: { key }` option; a function,
   * so that bundles without such an option carry no JWK import); none generates a non-extractable
   * ES256 key on first use. A pair that is not ECDSA P-256 fails the first use with a ConfigurationError.
   */
  constructor(source?: () => Promise<CryptoKeyPair>) {
    let loaded: Promise<DpopKey> | undefined;
    const load = async (): Promise<DpopKey> => {
      const keyPair = es256Pair(await (source ? source() : generateDpopKeyPair()));
      const { crv, kty, x, y } = await globalThis.crypto.subtle.exportKey('jwk', keyPair.publicKey);
      // RFC 7638: the thumbprint hashes the required members in lexicographic order, no whitespace.
      const publicJwk = { crv, kty, x, y } as DpopKey['publicJwk'];
      return { keyPair, publicJwk, thumbprint: (this.keyId = await sha256Base64Url(JSON.stringify(publicJwk))) };
    };
    this.key = () =>
      (loaded ??= load().catch((error: unknown) => {
        loaded = undefined;
        throw error;
      }));
  }

  /** A DPoP proof JWT (RFC 9449 4.2) for the request, with its `nonce` if it has one; `iat` is seconds since the epoch. */
  async proof({ method, url, accessToken, nonce }: DpopProofRequest, iat: number): Promise<string> {
    const { publicJwk, keyPair } = await this.key();
    // JSON leaves out the members that are undefined.
    const payload = { jti: randomToken(16), htm: method.toUpperCase(), htu: dpopHtu(url), iat, nonce: nonce || undefined, ath: accessToken === undefined ? undefined : await sha256Base64Url(accessToken) };
    const input = `${encodeJson({ typ: 'dpop+jwt', alg: DPOP_ALG, jwk: publicJwk })}.${encodeJson(payload)}`;
    const signature = await globalThis.crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, keyPair.privateKey, utf8(input));
    return `${input}.${base64UrlEncode(new Uint8Array(signature))}`;
  }
}

/** The headers of an API request with a DPoP-bound token; see ClientApplication.dpopHeaders. */
export async function dpopHeaders(dpop: DpopSession, { tokenType, accessToken }: AuthenticationResult, request: Omit<DpopProofRequest, 'accessToken'>, iat: number): Promise<DpopHeaders> {
  if (tokenType.toLowerCase() !== 'dpop') throw new ConfigurationError(`dpopHeaders: a ${tokenType} token is not DPoP-bound; send "authorization: ${tokenType} <token>"`);
  const proof = await dpop.proof({ ...request, accessToken, nonce: request.nonce ?? dpop.nonces.get(originOf(request.url)) }, iat);
  return { authorization: `DPoP ${accessToken}`, dpop: proof };
}

/** Options of fetchWithDpop: a subset of fetch's RequestInit. */
export interface DpopFetchOptions {
  /** The HTTP method (default GET). */
  method?: string;
  /** Further request headers; `authorization` and `dpop` are set by the call. */
  headers?: Record<string, string>;
  /** The body: a string, so that the request can be sent again for a nonce. */
  body?: string;
  /** Aborts the request. */
  signal?: AbortSignal;
  /** The fetch to use (default globalThis.fetch). */
  fetch?: FetchFunction;
}

/**
 * Sends a DPoP request to `server` (see DpopSession) with the nonce remembered for it, and once
 * more when the answer asks for a nonce (`asksForNonce`) and gave a new one (RFC 9449 8, 9).
 * `send` gets the nonce to put in its proof and reports the `DPoP-Nonce` of each answer with
 * `heard`; the retry carries the nonce of its own answer, never one another request's answer left
 * in memory meanwhile. Only once: a server that asks again after the retry, or asks without giving
 * a new nonce, gets a typed error (`dpop_nonce_refused`) instead of a loop.
 */
export async function retryingForDpopNonce<T>(
  dpop: DpopSession,
  server: string,
  send: (nonce: string | undefined, heard: (nonce: string | null | undefined) => void) => Promise<T>,
  asksForNonce: (answer: DpopAnswer<T>) => boolean,
): Promise<T> {
  let sent = dpop.nonces.get(server);
  for (let retried = false; ; retried = true) {
    let given: string | undefined;
    const heard = (nonce: string | null | undefined) => {
      if (nonce) dpop.nonces.set(server, (given = nonce));
    };
    const answer: DpopAnswer<T> = await send(sent, heard).then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
    if (!asksForNonce(answer)) {
      if ('error' in answer) throw answer.error;
      return answer.value!;
    }
    if (retried || !given || given === sent) {
      const problem = retried ? 'again after the retry with its nonce' : 'without a new DPoP-Nonce (CORS must expose the header)';
      throw new InvalidResponseError(`${originOf(server)} answered use_dpop_nonce ${problem}`, undefined, 'dpop_nonce_refused', { cause: answer.error });
    }
    sent = given;
  }
}

/** What a request of retryingForDpopNonce gave: its value, or (then with an `error` member) its error. */
export interface DpopAnswer<T> {
  /** The answer, when the request did not fail. */
  value?: T;
  /** Why the request failed. */
  error?: unknown;
}

/** An API call with a DPoP-bound token, retried once for the resource server's nonce; see ClientApplication.fetchWithDpop. */
export function fetchWithDpop(
  dpop: DpopSession,
  result: AuthenticationResult,
  url: string,
  { method = 'GET', headers, body, signal, fetch = globalThis.fetch.bind(globalThis) }: DpopFetchOptions,
  now: () => number,
): Promise<Response> {
  const send = async (nonce: string | undefined, heard: (nonce: string | null) => void) => {
    const response = await fetch(url, { method, body, signal, headers: { ...headers, ...(await dpopHeaders(dpop, result, { method, url, nonce }, now())) } });
    heard(response.headers.get('dpop-nonce'));
    return response;
  };
  return retryingForDpopNonce(dpop, originOf(url), send, ({ value: response }) => {
    // The resource server asks with a `WWW-Authenticate: DPoP ... error="use_dpop_nonce"` challenge.
    const asks = response?.status === 401 && /^\s*DPoP\b[^]*\berror="?use_dpop_nonce/i.test(response.headers.get('www-authenticate') ?? '');
    // A challenge's body is never read: sent again or refused.
    if (asks) void response.body?.cancel().catch(() => {});
    return asks;
  });
}
