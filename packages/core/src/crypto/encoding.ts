// WebCrypto and base64url helpers; nothing here needs Node or the DOM.

export function base64UrlEncode(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Base64url-encoded UTF-8 JSON (JWT segments, Entra's client_info), or undefined when it is not that. */
export function base64UrlJson(input: string): unknown {
  try {
    const b64 = input.replace(/-/g, '+').replace(/_/g, '/');
    const binary = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
    return JSON.parse(new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0))));
  } catch {
    return undefined;
  }
}

/** 32 random bytes, base64url: for state, nonce, PKCE verifiers. */
export function randomToken(byteLength = 32): string {
  return base64UrlEncode(globalThis.crypto.getRandomValues(new Uint8Array(byteLength)));
}

/** A random (v4) UUID for a correlation id; WebCrypto's randomUUID is missing outside secure browser contexts. */
export function randomUuid(): string {
  const c = globalThis.crypto;
  if (c.randomUUID) return c.randomUUID();
  const b = c.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

let idPrefix = '';
let idCount = 0xffffff;

/**
 * A fresh correlation id: a v4 UUID (Entra's client-request-id is a GUID) made of a random UUID's
 * first 26 hex digits and a 24-bit counter that starts at a random value; a new random UUID when
 * the counter runs out. Unique within the process and random across processes, at a third of
 * randomUUID's cost: every call makes one, cache hits included.
 */
export function newCorrelationId(): string {
  if (idCount >= 0xffffff) {
    const seed = randomUuid();
    idPrefix = seed.slice(0, 30);
    idCount = parseInt(seed.slice(30), 16) & 0x7fffff;
  }
  return idPrefix + (++idCount + 0x1000000).toString(16).slice(1);
}

/** The UTF-8 bytes of a string. */
export const utf8 = (text: string): Uint8Array<ArrayBuffer> => new TextEncoder().encode(text);

/** The SHA-256 hash of a string's UTF-8 bytes, base64url (PKCE challenges, thumbprints, `ath`). */
export async function sha256Base64Url(input: string): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', utf8(input));
  return base64UrlEncode(new Uint8Array(digest));
}

export interface Pkce {
  verifier: string;
  challenge: string;
  method: 'S256';
}

/** RFC 7636 with S256 only: `plain` gives no protection against a stolen code. */
export async function createPkce(): Promise<Pkce> {
  const verifier = randomToken(32);
  return { verifier, challenge: await sha256Base64Url(verifier), method: 'S256' };
}
