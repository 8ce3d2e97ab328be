import type { AuthCodeFlow, AuthenticationResult } from '@tessera/core';
import type { BrowserClientOptions } from './browser-client.js';
import { BrowserAuthError } from './errors.js';

/** The options a popup sign-in reads. */
export type PopupOptions = Pick<BrowserClientOptions, 'popupFeatures' | 'popupTimeoutMs'>;

/**
 * The `popup` option of a BrowserClient: `createBrowserClient({ ..., popup: browserPopup })` makes
 * `loginPopup` and `acquireTokenPopup` work. A function rather than built in, so that apps that sign
 * in by redirect only bundle none of it. Opens the popup synchronously (inside the caller's click),
 * sends it to the provider and waits until it is back on the redirect URI (see waitForPopup).
 * @param name - the window's name: the client's interaction key (client id and authority, see
 *   interactionKey), so that clients of one id at two authorities open two popups, and the redirect
 *   page knows by it that it runs in a popup (see inPopup).
 * @param start - prepares the authorization request (PKCE, state, nonce), once the popup is open.
 * @param complete - checks the URL the popup comes back with and redeems its code.
 */
export async function browserPopup(
  { popupFeatures, popupTimeoutMs }: PopupOptions,
  name: string,
  start: () => Promise<AuthCodeFlow>,
  complete: (flow: AuthCodeFlow, responseUrl: Promise<string>) => Promise<AuthenticationResult>,
): Promise<AuthenticationResult> {
  const popup = window.open('about:blank', name, popupFeatures ?? 'popup,width=480,height=640');
  try {
    if (!popup) throw new BrowserAuthError('popup_blocked', 'The sign-in popup was blocked; open it from a click handler');
    const flow = await start();
    popup.location.href = flow.authUri;
    // Waited for inside the sign-in's call: a timeout or a closed popup carries its correlation id.
    return await complete(flow, waitForPopup(popup, flow.redirectUri, popupTimeoutMs ?? 300_000).finally(() => popup.close()));
  } finally {
    popup?.close();
  }
}

/**
 * Resolves with the URL the popup returns to. The opener polls the popup's location, readable
 * once it is back on this origin; the redirect page needs no code (and `handleRedirect()` leaves
 * it alone in a popup). A closed popup is `user_cancelled`; no return in time is `popup_timeout`.
 */
function waitForPopup(popup: Window, redirectUri: string, timeoutMs: number): Promise<string> {
  const target = redirectUri.split(/[?#]/)[0];
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = setInterval(() => {
      let href = '';
      try {
        href = popup.location.href; // throws while the popup shows the provider's origin
      } catch {
        // keep waiting
      }
      const fail = popup.closed
        ? new BrowserAuthError('user_cancelled', 'The sign-in popup was closed')
        : Date.now() - started > timeoutMs && new BrowserAuthError('popup_timeout', `The sign-in popup did not return within ${timeoutMs} ms`);
      if (href.split(/[?#]/)[0] === target && /[?#&](state|error|code)=/.test(href)) resolve(href);
      else if (fail) reject(fail);
      else return;
      clearInterval(poll);
    }, 50);
  });
}
