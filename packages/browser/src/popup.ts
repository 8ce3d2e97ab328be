import { BrowserAuthError } from './errors.js';

/** The popup's window name: the redirect page knows by it that it runs in the popup. */
export const popupName = (clientId: string) => `tessera.popup.${clientId}`;

/**
 * Resolves with the URL the popup returns to. The opener polls the popup's location, readable
 * once it is back on this origin; the redirect page needs no code (and `handleRedirect()` leaves
 * it alone in a popup). A closed popup is `user_cancelled`; no return in time is `popup_timeout`.
 */
export function waitForPopup(popup: Window, redirectUri: string, timeoutMs: number): Promise<string> {
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
