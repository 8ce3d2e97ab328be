import {
  AbortError,
  type AuthenticationResult,
  type Prompt,
  type PublicClientApplication,
  type RequestOptions,
  TesseraError,
  ValidationError,
} from '@tessera/core';
import { type CallbackAnswer, LoopbackListener } from './loopback-listener.js';
import { DEFAULT_SUCCESS_PAGE, defaultFailurePage } from './pages.js';
import { openSystemBrowser } from './system-browser.js';

/** Options of acquireTokenInteractive. */
export interface InteractiveOptions extends RequestOptions {
  /** Scopes to request. */
  scopes: string | string[];
  /** `prompt`: force a login, consent or account picker. */
  prompt?: Prompt;
  /** `login_hint`: the username to preselect. */
  loginHint?: string;
  /** `domain_hint` (Entra): skip home-realm discovery. */
  domainHint?: string;
  /** Seconds: the user must have signed in within this time. */
  maxAge?: number;
  /** Listen on this port; default: one the system chooses. */
  port?: number;
  /** How long to wait for the browser to come back, in ms. Default 5 minutes; `Infinity` waits for ever. */
  timeoutMs?: number;
  /** Shows the sign-in page to the user. Default: the system browser. */
  openBrowser?: (url: string) => void | Promise<void>;
  /** HTML shown in the browser after a successful sign-in. */
  successPage?: string;
  /** HTML shown in the browser when sign-in failed. */
  failurePage?: string;
  /** More query parameters for the authorization URL. */
  extraQueryParameters?: Record<string, string>;
}

const DEFAULT_TIMEOUT_MS = 5 * 60_000;

/**
 * Signs the user in through the browser with a loopback redirect (RFC 8252), like MSAL's
 * acquire_token_interactive: auth code + PKCE, state and nonce checked by core.
 */
export async function acquireTokenInteractive(app: PublicClientApplication, options: InteractiveOptions): Promise<AuthenticationResult> {
  const { port, timeoutMs = DEFAULT_TIMEOUT_MS, openBrowser = openSystemBrowser, successPage, failurePage, signal, ...authorization } = options;
  if (signal?.aborted) throw new AbortError(signal.reason);
  const listener = await LoopbackListener.listen(port);
  // One signal ends everything on abort or timeout: the wait, a token request in flight, the listener.
  const stop = new AbortController();
  const onAbort = () => stop.abort(new AbortError(signal?.reason));
  signal?.addEventListener('abort', onAbort, { once: true });
  // setTimeout cannot wait longer than 2^31-1 ms: anything beyond (Infinity included) waits for ever.
  const timer =
    timeoutMs < 2 ** 31
      ? setTimeout(
          () => stop.abort(new TesseraError('interaction_timeout', `No sign-in response came back from the browser within ${Math.round(timeoutMs / 1000)} s`)),
          timeoutMs,
        )
      : undefined;
  try {
    // Entra registers `http://localhost`; RFC 8252 §7.3 recommends the IP literal everywhere else.
    const host = app.authority.kind === 'entra' ? 'localhost' : '127.0.0.1';
    const redirectUri = `http://${host}:${listener.port}/`;
    const flow = await app.initiateAuthCodeFlow({ ...authorization, redirectUri, signal: stop.signal });
    const redirect = listener.waitForRedirect(async (params): Promise<CallbackAnswer<AuthenticationResult>> => {
      try {
        const result = await app.acquireTokenByAuthCodeFlow(flow, params, { ...authorization, signal: stop.signal });
        return { status: 200, html: successPage ?? DEFAULT_SUCCESS_PAGE, outcome: { value: result } };
      } catch (error) {
        // Not the browser we sent (a stale tab, a forged request): leave the real sign-in undisturbed.
        if (error instanceof ValidationError && error.check === 'state') return { status: 400, html: defaultFailurePage(error) };
        return { status: 400, html: failurePage ?? defaultFailurePage(error), outcome: { error } };
      }
    });
    const stopped = new Promise<never>((_, reject) => {
      const fail = () => reject(stop.signal.reason);
      if (stop.signal.aborted) fail();
      else stop.signal.addEventListener('abort', fail, { once: true });
    });
    // The opener may return before or after the redirect arrives; only its failure matters.
    const opening = Promise.resolve()
      .then(() => openBrowser(flow.authUri))
      .then(() => new Promise<never>(() => {}));
    return await Promise.race([redirect, stopped, opening]);
  } catch (error) {
    // A token request cut short by our own signal surfaces as AbortError: report why it was cut.
    throw stop.signal.aborted ? stop.signal.reason : error;
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
    await listener.close();
  }
}
