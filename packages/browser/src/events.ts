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
