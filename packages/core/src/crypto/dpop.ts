// DPoP (RFC 9449): ES256 proofs signed with WebCrypto directly (an ECDSA signature from WebCrypto
// is already the JWS r||s form), so no JOSE library is loaded for them; server nonces remembered
// per server (an authorization server by its token endpoint, a resource server by its origin).
// Nothing here needs Node or the DOM.
import { ConfigurationError, InvalidResponseError } from '../errors.js';
import type { FetchFunction } from '../http/http-client.js';
import type { AuthenticationResult } from '../results.js';
import { base64UrlEncode, randomToken, sha256Base64Url } from './encoding.js';

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

/** The key pair of a `dpop: { key }` option (a JWK is imported; the private key stays non-extractable). */
export async function dpopKeyPairFrom(source: DpopKeySource): Promise<CryptoKeyPair> {
  if (typeof source === 'function') return source();
  const value = await source;
  if ('privateKey' in value && 'publicKey' in value) return value;
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
    throw new ConfigurationError(`dpop.key: the private P-256 JWK could not be imported (${error instanceof Error ? error.message : String(error)}); check that x, y and d are its base64url members`);
  }
}

/** Loads a key pair: the pair, its public JWK and thumbprint. */
async function loadDpopKey(pair: Promise<CryptoKeyPair>): Promise<DpopKey> {
  const keyPair = await pair;
  const algorithm = keyPair.privateKey.algorithm as EcKeyAlgorithm;
  if (algorithm.name !== 'ECDSA' || algorithm.namedCurve !== 'P-256') {
    throw new ConfigurationError(`dpop.key: expected an ECDSA P-256 (ES256) key pair, got ${algorithm.name}${algorithm.namedCurve ? ` ${algorithm.namedCurve}` : ''}`);
  }
  const { kty, crv, x, y } = await globalThis.crypto.subtle.exportKey('jwk', keyPair.publicKey);
  const publicJwk = { kty: kty!, crv: crv!, x: x!, y: y! };
  // RFC 7638: the required members in lexicographic order, no whitespace.
  const thumbprint = await sha256Base64Url(JSON.stringify({ crv: publicJwk.crv, kty: publicJwk.kty, x: publicJwk.x, y: publicJwk.y }));
  return { keyPair, publicJwk, thumbprint };
}

const encodeJson = (value: unknown) => base64UrlEncode(new TextEncoder().encode(JSON.stringify(value)));

/** `htu`: the URL without query and fragment (RFC 9449 4.2). */
export function dpopHtu(url: string): string {
  const u = new URL(url);
  u.search = '';
  u.hash = '';
  return u.href;
}

/** A DPoP proof JWT (RFC 9449 4.2) for one request. `iat` is seconds since the epoch. */
export async function createDpopProof(key: DpopKey, request: DpopProofRequest & { iat: number }): Promise<string> {
  const header = { typ: 'dpop+jwt', alg: DPOP_ALG, jwk: key.publicJwk };
  const payload: Record<string, string | number> = { jti: randomToken(16), htm: request.method.toUpperCase(), htu: dpopHtu(request.url), iat: request.iat };
  if (request.nonce) payload.nonce = request.nonce;
  if (request.accessToken !== undefined) payload.ath = await sha256Base64Url(request.accessToken);
  const input = `${encodeJson(header)}.${encodeJson(payload)}`;
  const signature = await globalThis.crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key.keyPair.privateKey, new TextEncoder().encode(input));
  return `${input}.${base64UrlEncode(new Uint8Array(signature))}`;
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
  readonly #source: (() => Promise<CryptoKeyPair>) | undefined;
  #key?: Promise<DpopKey>;
  readonly #nonces = new Map<string, string>();

  /**
   * @param source - gives the key pair (see dpopKeyPairFrom for a `dpop: { key }` option; a function,
   * so that bundles without such an option carry no JWK import); none generates a non-extractable
   * ES256 key on first use.
   */
  constructor(source?: () => Promise<CryptoKeyPair>) {
    this.#source = source;
  }

  /** The key, loaded (or generated) on first use. */
  key(): Promise<DpopKey> {
    this.#key ??= loadDpopKey(this.#source ? this.#source() : generateDpopKeyPair()).then((key) => {
      this.keyId = key.thumbprint;
      return key;
    });
    // A failed load is not kept: the next call tries again.
    this.#key.catch(() => (this.#key = undefined));
    return this.#key;
  }

  /** The nonce last received from this server (see the class), if any. */
  nonceFor(server: string): string | undefined {
    return this.#nonces.get(server);
  }

  /** Remembers the `DPoP-Nonce` an answer of this server carried, if any. */
  rememberNonce(server: string, nonce: string | null | undefined): void {
    if (nonce) this.#nonces.set(server, nonce);
  }

  /** A proof for the request, with its `nonce` if it has one. */
  async proof(request: DpopProofRequest, iat: number): Promise<string> {
    return createDpopProof(await this.key(), { ...request, iat });
  }
}

/** Whether an error answer asks for a (new) DPoP nonce: `use_dpop_nonce` in an OAuth error or a `WWW-Authenticate: DPoP` challenge. */
export function asksForDpopNonce(status: number, headers: Record<string, string>): boolean {
  return status === 401 && /^\s*DPoP\b[^]*\berror="?use_dpop_nonce/i.test(headers['www-authenticate'] ?? '');
}

/** The headers of an API request with a DPoP-bound token; see ClientApplication.dpopHeaders. */
export async function dpopHeaders(dpop: DpopSession | undefined, result: AuthenticationResult, request: Omit<DpopProofRequest, 'accessToken'>, iat: number): Promise<DpopHeaders> {
  if (!dpop) throw new ConfigurationError('dpopHeaders: this client has no DPoP key; set the `dpop` client option');
  if (result.tokenType.toLowerCase() !== 'dpop') {
    throw new ConfigurationError(`dpopHeaders: the token is a ${result.tokenType} token, not DPoP-bound; send it as "authorization: ${result.tokenType} <token>"`);
  }
  const proof = await dpop.proof({ ...request, accessToken: result.accessToken, nonce: request.nonce ?? dpop.nonceFor(originOf(request.url)) }, iat);
  return { authorization: `DPoP ${result.accessToken}`, dpop: proof };
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
  dpop: DpopSession | undefined,
  server: string,
  send: (nonce: string | undefined, heard: (nonce: string | null | undefined) => void) => Promise<T>,
  asksForNonce: (answer: DpopAnswer<T>) => boolean,
): Promise<T> {
  // Without a session `send` fails (dpopHeaders says why) and that error is thrown.
  let sent = dpop?.nonceFor(server);
  for (let retried = false; ; retried = true) {
    let given: string | undefined;
    const heard = (nonce: string | null | undefined) => {
      given = nonce || given;
      dpop?.rememberNonce(server, nonce);
    };
    const answer: DpopAnswer<T> = await send(sent, heard).then(
      (value) => ({ value }),
      (error: unknown) => ({ error, failed: true }),
    );
    if (!asksForNonce(answer)) {
      if (answer.failed) throw answer.error;
      return answer.value!;
    }
    if (retried || !given || given === sent) {
      const problem = retried ? 'again after the retry with its nonce' : 'without a new DPoP-Nonce (CORS must expose the header)';
      throw new InvalidResponseError(`${originOf(server)} answered use_dpop_nonce ${problem}`, undefined, 'dpop_nonce_refused', { cause: answer.error });
    }
    sent = given;
  }
}

/** What a request of retryingForDpopNonce gave: its value, or (`failed`) its error. */
export interface DpopAnswer<T> {
  /** The answer, when the request did not fail. */
  value?: T;
  /** Why the request failed. */
  error?: unknown;
  /** Whether the request failed. */
  failed?: boolean;
}

/** An API call with a DPoP-bound token, retried once for the resource server's nonce; see ClientApplication.fetchWithDpop. */
export function fetchWithDpop(dpop: DpopSession | undefined, result: AuthenticationResult, url: string, options: DpopFetchOptions, now: () => number): Promise<Response> {
  const fetchFn = options.fetch ?? globalThis.fetch.bind(globalThis);
  const method = options.method ?? 'GET';
  const send = async (nonce: string | undefined, heard: (nonce: string | null) => void) => {
    const headers = { ...options.headers, ...(await dpopHeaders(dpop, result, { method, url, nonce }, now())) };
    const response = await fetchFn(url, { method, body: options.body, signal: options.signal, headers });
    heard(response.headers.get('dpop-nonce'));
    return response;
  };
  return retryingForDpopNonce(dpop, originOf(url), send, (answer) => {
    const response = answer.value;
    const asks = !!response && asksForDpopNonce(response.status, { 'www-authenticate': response.headers.get('www-authenticate') ?? '' });
    // A challenge's body is never read: sent again or refused.
    if (asks) void response.body?.cancel().catch(() => {});
    return asks;
  });
}
