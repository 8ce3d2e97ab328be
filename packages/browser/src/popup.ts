import { AbortError, type AuthCodeFlow, type AuthenticationResult, parseAuthResponse, throwIfAborted } from '@tessera/core';
import type { BrowserClientOptions } from './browser-client.js';
import { BrowserAuthError } from './errors.js';
import { session } from './interaction.js';

/** The options a popup sign-in reads. */
export type PopupOptions = Pick<BrowserClientOptions, 'popupFeatures' | 'popupTimeoutMs'>;

/**
 * A sign-in popup's own sessionStorage holds, under this key, the state of the sign-in it runs
 * (written by its opener while it is still this origin's about:blank); the channel that brings its
 * response back is named by this key and the state. See `browserPopup.relay`.
 */
const RELAY = 'tessera.popup.';

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
 * @param signal - the request's: AbortError before the popup opens, while the request is
 *   prepared, or while waiting for the popup (see waitForPopup); the popup is closed.
 */
export async function browserPopup(
  { popupFeatures, popupTimeoutMs }: PopupOptions,
  name: string,
  start: () => Promise<AuthCodeFlow>,
  complete: (flow: AuthCodeFlow, responseUrl: Promise<string>) => Promise<AuthenticationResult>,
  signal?: AbortSignal,
): Promise<AuthenticationResult> {
  throwIfAborted(signal);
  const popup = window.open('about:blank', name, popupFeatures ?? 'popup,width=480,height=640');
  try {
    if (!popup) throw new BrowserAuthError('popup_blocked', 'The sign-in popup was blocked; open it from a click handler');
    const flow = await start();
    // Closed while the request was prepared: the user's doing (waitForPopup could not tell it from COOP).
    if (popup.closed) throw cancelled();
    throwIfAborted(signal);
    popup.sessionStorage.setItem(RELAY, flow.state);
    popup.location.href = flow.authUri;
    // Waited for inside the sign-in's call: a timeout or a closed popup carries its correlation id.
    return await complete(flow, waitForPopup(popup, flow, popupTimeoutMs ?? 300_000, signal).finally(() => popup.close()));
  } finally {
    popup?.close();
  }
}

/**
 * Called by `handleRedirect()` on the app's page at the redirect URI, with its URL and the `state` in it.
 * A provider's Cross-Origin-Opener-Policy (Microsoft Entra's) takes a popup out of its opener's
 * reach: the opener sees it closed and can no longer read its URL, and the page has no opener. When
 * this window is the popup of that sign-in (its sessionStorage says so: only a page of this origin
 * could write it), hands `href` to the opener's tab over this origin's channel for `state`, and
 * closes the window. Whether it did (then no client here may read the response).
 */
browserPopup.relay = (state: string | undefined, href: string): boolean => {
  // (No sessionStorage where the browser denies it: no popup of ours either.)
  const storage = session();
  const ours = !!state && storage?.getItem(RELAY) === state;
  if (ours) {
    storage!.removeItem(RELAY);
    const channel = new BroadcastChannel(RELAY + state);
    channel.postMessage(href);
    channel.close();
    close();
  }
  return ours;
};

const cancelled = () => new BrowserAuthError('user_cancelled', 'The sign-in popup was closed');

/**
 * Resolves with the URL the popup returns to. The opener polls the popup's location, readable
 * once it is back on this origin; the redirect page needs no code for that (and `handleRedirect()`
 * leaves it alone in a popup). A popup that a provider's COOP took out of reach looks closed from
 * here: its response comes on the channel for the flow's state instead (see `browserPopup.relay`),
 * until the timeout. A popup closed after it was seen at the provider is `user_cancelled`; no
 * return in time is `popup_timeout`; the signal firing is AbortError: the only way to end the
 * wait for a popup cut off by COOP before the timeout (the opener cannot close it; a response it
 * sends later is taken by no one, its code never redeemed).
 */
function waitForPopup(popup: Window, { redirectUri, state, responseMode }: AuthCodeFlow, timeoutMs: number, signal?: AbortSignal): Promise<string> {
  // Compared as the popup's href is, parsed: `http://localhost:3000` (the form MSAL's samples
  // register) comes back as `http://localhost:3000/#code=…`.
  const { origin, pathname } = new URL(redirectUri, location.href);
  const target = origin + pathname;
  const isResponse = (href: unknown): href is string => typeof href === 'string' && href.split(/[?#]/)[0] === target && /[?#&](state|error|code)=/.test(href);
  const channel = new BroadcastChannel(RELAY + state);
  return new Promise((resolve, reject) => {
    const started = Date.now();
    // Polls that found the popup open at the provider (its URL unreadable). A provider's COOP cuts the
    // popup off as its first page loads: its URL is unreadable for a moment (10-30 ms in Chromium)
    // before it looks closed, not for 3 polls; a popup closed after 3 such polls was closed by the
    // user. One that looked closed sooner may be on its way back: wait for the channel.
    let seen = 0;
    const settle = (error: Error | false, href = '') => {
      clearInterval(poll);
      channel.close();
      signal?.removeEventListener('abort', aborted);
      if (error) reject(error);
      else resolve(href);
    };
    const aborted = () => settle(new AbortError(signal!.reason));
    signal?.addEventListener('abort', aborted);
    // Only this sign-in's response: another, on this channel, is no answer to it.
    channel.onmessage = ({ data }) => isResponse(data) && parseAuthResponse(data, responseMode).state === state && settle(false, data);
    const poll = setInterval(() => {
      let href = '';
      let away = false;
      try {
        href = popup.location.href; // throws while the popup shows the provider's origin
      } catch {
        away = true;
      }
      // Read after the URL: a popup cut off in between is not counted.
      const closed = popup.closed;
      if (away && !closed) seen++;
      if (isResponse(href)) settle(false, href);
      else if (closed && seen > 2) settle(cancelled());
      else if (Date.now() - started > timeoutMs) {
        const why = closed ? ": closed, or cut off from this page by the provider's Cross-Origin-Opener-Policy" : '';
        settle(new BrowserAuthError('popup_timeout', `The sign-in popup did not return within ${timeoutMs} ms${why}`));
      }
    }, 50);
  });
}
