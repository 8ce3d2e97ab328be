import { TesseraError } from '@tessera/core';

/** Stable codes of the browser-only failures; switch on `error.code`. */
export type BrowserAuthErrorCode =
  /** The user closed the popup before signing in. */
  | 'user_cancelled'
  /** window.open returned null: call loginPopup from a click handler, or allow popups. */
  | 'popup_blocked'
  /** The popup did not come back within `popupTimeoutMs`. */
  | 'popup_timeout'
  /** Another sign-in (redirect or popup) of this client is running in this tab. */
  | 'interaction_in_progress'
  /** The browser denies this page sessionStorage (site data blocked, a sandboxed iframe), where a sign-in keeps its state. */
  | 'storage_unavailable';

/** A browser interaction failed; protocol failures keep core's errors (ValidationError, ServerError, ...). */
export class BrowserAuthError extends TesseraError {
  declare readonly code: BrowserAuthErrorCode;
}
