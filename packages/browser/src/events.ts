import type { AccountInfo, AuthenticationResult } from '@tessera/core';

/** What a BrowserClient announces; `client.on(type, listener)` returns the unsubscribe function. */
export interface BrowserClientEvents {
  /** An interactive sign-in (loginRedirect, loginPopup) finished in this tab. */
  signedIn: AuthenticationResult;
  /** A token was handed out: interactive, refreshed or from the cache. */
  tokenAcquired: AuthenticationResult;
  /** An account was signed out, in this tab or in another tab of the origin. */
  accountRemoved: AccountInfo;
}

/** A tiny typed emitter. */
export class Emitter<E> {
  readonly #listeners = new Set<[keyof E, (payload: never) => void]>();

  on<K extends keyof E>(type: K, listener: (payload: E[K]) => void): () => void {
    const entry: [keyof E, (payload: never) => void] = [type, listener];
    this.#listeners.add(entry);
    return () => void this.#listeners.delete(entry);
  }

  emit<K extends keyof E>(type: K, payload: E[K]): void {
    for (const [t, listener] of this.#listeners) if (t === type) (listener as (payload: E[K]) => void)(payload);
  }
}
