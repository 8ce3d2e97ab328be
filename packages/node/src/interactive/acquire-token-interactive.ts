import {
  AbortError,
  ConfigurationError,
  type AuthenticationResult,
  type Prompt,
  type PublicClientApplication,
  type RequestOptions,
  TesseraError,
  ValidationError,
} from '@tessera/core';
import { type CallbackAnswer, LoopbackListener, type LoopbackResponseMode } from './loopback-listener.js';
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
  /**
   * Shows the sign-in page to the user. Default: the system browser. It receives a one-time
   * loopback URL that forwards to the provider, never the authorization URL itself (whose state,
   * nonce and PKCE challenge would otherwise show in a launcher's command line).
   */
  openBrowser?: (url: string) => void | Promise<void>;
  /**
   * How the provider sends the response back. Default: `query` unless the provider's discovery
   * document lists only `form_post` (then `form_post`).
   */
  responseMode?: LoopbackResponseMode;
  /** HTML shown in the browser after a successful sign-in. */
  successPage?: string;
  /** HTML shown in the browser when sign-in failed. */
  failurePage?: string;
  /** Further authorization parameters (e.g. `ui_locales`); one the library sets (`state`, `redirect_uri`, ...), or `request`/`request_uri` (they would replace the whole request), is a ConfigurationError. */
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
  const responseMode = authorization.responseMode ?? (await supportedResponseMode(app, options));
  // Entra registers `http://localhost`; RFC 8252 §7.3 recommends the IP literal everywhere else.
  // A browser may resolve localhost to ::1 (or another loopback address) too: listen on each, or
  // another process could take the port there and receive the code.
  const entra = app.authority.kind === 'entra';
  const listener = await LoopbackListener.listen({ port, addresses: entra ? await localhostAddresses() : ['127.0.0.1'] });
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
    const redirectUri = `http://${entra ? 'localhost' : '127.0.0.1'}:${listener.port}/`;
    const flow = await app.initiateAuthCodeFlow({ ...authorization, responseMode, redirectUri, signal: stop.signal });
    // A pushed request_uri (RFC 9126) lives about a minute: pushed again if the browser comes later.
    const startUrl = listener.serveStartPage(flow.requestUriExpiresAt === undefined ? flow.authUri : () => app.refreshAuthUri(flow, { ...authorization, signal: stop.signal }));
    const redirect = listener.waitForRedirect(responseMode, async (params): Promise<CallbackAnswer<AuthenticationResult>> => {
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
      .then(() => openBrowser(startUrl))
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

/**
 * `query` (the OAuth default) unless the provider's discovery document lists response modes
 * without it; then `form_post` if listed. A provider with neither cannot answer a loopback listener.
 */
async function supportedResponseMode(app: PublicClientApplication, options: RequestOptions): Promise<LoopbackResponseMode> {
  const supported = (await app.getAuthorityMetadata(options)).response_modes_supported;
  if (!Array.isArray(supported) || supported.includes('query')) return 'query';
  if (supported.includes('form_post')) return 'form_post';
  throw new ConfigurationError(
    `The provider supports neither the query nor the form_post response mode (response_modes_supported: ${JSON.stringify(supported).slice(0, 200)}); ` +
      'a loopback sign-in needs one of them',
  );
}

/** 127.0.0.1, ::1 and any other loopback address the system resolves `localhost` to. */
async function localhostAddresses(): Promise<string[]> {
  // Loaded here, not at module top, like node:http in the listener: see node-builtins.ts.
  const [{ lookup }, { isIP }] = await Promise.all([import('node:dns/promises'), import('node:net')]);
  const resolved = await lookup('localhost', { all: true }).catch(() => []);
  const loopback = resolved.map((r) => r.address).filter((a) => isIP(a) !== 0 && (a === '::1' || a.startsWith('127.')));
  return [...new Set(['127.0.0.1', '::1', ...loopback])];
}
