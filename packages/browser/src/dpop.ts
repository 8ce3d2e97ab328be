import { type AuthenticationResult, type DpopFetchOptions, type DpopHeaders, type DpopProofRequest, type FlowContext, DpopSession, dpopContext, dpopHeaders, fetchWithDpop } from '@tessera/core';
import { dpopKeyPair } from './stores.js';

/** DPoP as a BrowserClient uses it (see browserDpop): what its token requests sign with, and the API helpers. */
export interface BrowserDpop {
  /** The client's context fields: the session that signs its token requests and binds its codes (`dpop_jkt`), and those requests. */
  context: Pick<FlowContext, 'dpop' | 'sendWithDpop'>;
  /** Loads the key; whether it survives a reload (stored in IndexedDB), so that a redirect's code can be bound to it. */
  keyStored(): Promise<boolean>;
  /** BrowserClient.dpopHeaders; `iat` in seconds since the epoch. */
  headers(result: AuthenticationResult, request: Omit<DpopProofRequest, 'accessToken'>, iat: number): Promise<DpopHeaders>;
  /** BrowserClient.fetchWithDpop; `now` gives seconds since the epoch. */
  fetch(result: AuthenticationResult, url: string, options: DpopFetchOptions, now: () => number): Promise<Response>;
}

/**
 * The `dpop` option of a BrowserClient (RFC 9449): `createBrowserClient({ ..., dpop: browserDpop })`.
 * A function rather than `true`, so that apps without DPoP bundle none of its code. With a
 * persistent key (the `indexeddb` cache) the non-extractable ES256 key lives in IndexedDB, else (or
 * when IndexedDB fails) in memory for this page. `warn` gets the client's warning when a stored key
 * is unusable and replaced, or IndexedDB failed.
 */
export function browserDpop(clientId: string, persistentKey: boolean, warn: (message: string) => void): BrowserDpop {
  const session = new DpopSession(persistentKey ? () => dpopKeyPair(clientId, warn, () => (persistentKey = false)) : undefined);
  return {
    context: dpopContext(session),
    // Only a key meant to be stored is loaded to tell.
    keyStored: async () => persistentKey && (await session.key(), persistentKey),
    headers: (result, request, iat) => dpopHeaders(session, result, request, iat),
    fetch: (result, url, options, now) => fetchWithDpop(session, result, url, options, now),
  };
}
