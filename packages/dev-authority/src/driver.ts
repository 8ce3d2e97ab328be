// A tiny "browser" for Node tests: follows the provider's redirects with a cookie jar and
// submits the dev login/consent/device forms, without ever calling the client's redirect_uri.

export interface LoginOptions {
  username?: string;
  password?: string;
}

export interface AuthorizationOptions extends LoginOptions {
  /** Default true; false denies at the consent step (error=access_denied). */
  consent?: boolean;
  /** The browser to use, with its cookies (the provider's session); default a new one. */
  session?: BrowserSession;
}

export interface AuthorizationResult {
  redirectUrl: string;
  params: URLSearchParams;
}

const DEFAULT_USERNAME = 'alice';
const DEFAULT_PASSWORD = 'password';
const MAX_STEPS = 20;

/** RFC 6265 5.1.4: whether a cookie of `cookiePath` goes with a request to `requestPath`. */
const pathMatches = (requestPath: string, cookiePath: string) =>
  requestPath === cookiePath || (requestPath.startsWith(cookiePath) && (cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/'));

/**
 * Cookies of one flow at one authority host, scoped by path as a browser scopes them: a path
 * issuer's cookies (`/realms/a/...`) go only with requests below their path.
 */
class CookieJar {
  /** name and value by `path` + NUL + name. */
  readonly #cookies = new Map<string, { path: string; name: string; value: string }>();

  store(response: Response, url: string): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const pathAttribute = attributes.map((a) => /^\s*path=(\/[^;]*)$/i.exec(a)?.[1]).find(Boolean);
      // Without a Path attribute: the request path's directory (RFC 6265 5.1.4).
      const path = pathAttribute ?? (new URL(url).pathname.replace(/\/[^/]*$/, '') || '/');
      const key = `${path}\0${name}`;
      if (value === '' || /expires=thu, 01 jan 1970/i.test(line)) this.#cookies.delete(key);
      else this.#cookies.set(key, { path, name, value });
    }
  }

  header(url: string): string {
    const { pathname } = new URL(url);
    return [...this.#cookies.values()]
      .filter((c) => pathMatches(pathname, c.path))
      .sort((x, y) => y.path.length - x.path.length)
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }
}

interface HtmlForm {
  id?: string;
  action: string;
  fields: URLSearchParams;
}

const decode = (s: string) =>
  s.replace(/&(#x?[0-9a-f]+|amp|lt|gt|quot|apos);/gi, (_m, e: string) => {
    const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
    if (named[e.toLowerCase()]) return named[e.toLowerCase()]!;
    return String.fromCodePoint(e[1]?.toLowerCase() === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
  });

const attr = (tag: string, name: string) => {
  const match = new RegExp(`\\s${name}="([^"]*)"`, 'i').exec(tag);
  return match?.[1] === undefined ? undefined : decode(match[1]);
};

/** Forms of a page with their hidden inputs (enough for oidc-provider's and our pages). */
function parseForms(html: string): HtmlForm[] {
  const forms: HtmlForm[] = [];
  for (const match of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const [, open = '', body = ''] = match;
    const fields = new URLSearchParams();
    for (const input of body.matchAll(/<input\b[^>]*>/gi)) {
      const name = attr(input[0], 'name');
      if (name && attr(input[0], 'type')?.toLowerCase() === 'hidden') fields.append(name, attr(input[0], 'value') ?? '');
    }
    forms.push({ id: attr(open, 'id'), action: attr(open, 'action') ?? '', fields });
  }
  return forms;
}

/**
 * A user agent's cookies at the provider (its sign-in session). Pass one to completeAuthorization
 * and completeLogout to act as one browser: signed in once, later requests need no login.
 */
export class BrowserSession {
  readonly #jar = new CookieJar();

  /** GETs `url`, or POSTs `form` to it, with this browser's cookies; keeps the cookies it sets; never follows redirects. */
  async request(url: string, form?: URLSearchParams): Promise<Response> {
    const response = await fetch(url, {
      method: form ? 'POST' : 'GET',
      redirect: 'manual',
      headers: {
        cookie: this.#jar.header(url),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      body: form?.toString(),
    });
    this.#jar.store(response, url);
    return response;
  }
}

function resultFrom(url: string, responseMode: string | null, fields?: URLSearchParams): AuthorizationResult {
  if (fields) return { redirectUrl: url, params: fields };
  const parsed = new URL(url);
  const useFragment = responseMode === 'fragment' || (!parsed.search && parsed.hash.length > 1);
  return { redirectUrl: url, params: new URLSearchParams(useFragment ? parsed.hash.slice(1) : parsed.search) };
}

/**
 * Drives an authorization request to the point where the provider sends the user agent back
 * to the client, and returns that redirect (query, fragment or form_post fields). Errors such
 * as access_denied come back the same way. The redirect_uri itself is never requested.
 */
export async function completeAuthorization(authorizationUrl: string, options: AuthorizationOptions = {}): Promise<AuthorizationResult> {
  const origin = new URL(authorizationUrl).origin;
  const responseMode = new URL(authorizationUrl).searchParams.get('response_mode');
  const browser = options.session ?? new BrowserSession();
  let response = await browser.request(authorizationUrl);
  let url = authorizationUrl;

  for (let step = 0; step < MAX_STEPS; step += 1) {
    const location = response.headers.get('location');
    if (location) {
      url = new URL(location, url).href;
      if (new URL(url).origin !== origin) return resultFrom(url, responseMode);
      response = await browser.request(url);
      continue;
    }

    const html = await response.text();
    const forms = parseForms(html);
    const formPost = forms.find((f) => f.action && new URL(f.action, url).origin !== origin);
    if (formPost) return resultFrom(new URL(formPost.action, url).href, 'form_post', formPost.fields);

    const submitted = await submitInteraction(browser, url, forms, options);
    if (!submitted) throw new Error(`completeAuthorization: unexpected ${response.status} page at ${url}: ${textOf(html)}`);
    response = submitted;
  }
  throw new Error('completeAuthorization: too many steps');
}

/** Submits the login or consent form on the page, if there is one. */
async function submitInteraction(browser: BrowserSession, url: string, forms: HtmlForm[], options: AuthorizationOptions): Promise<Response | undefined> {
  const login = forms.find((f) => f.id === 'login-form');
  if (login) {
    const fields = new URLSearchParams(login.fields);
    fields.set('username', options.username ?? DEFAULT_USERNAME);
    fields.set('password', options.password ?? DEFAULT_PASSWORD);
    const response = await browser.request(new URL(login.action, url).href, fields);
    if (response.status === 401) throw new Error('completeAuthorization: the dev authority rejected the password');
    return response;
  }
  const consent = forms.find((f) => f.id === (options.consent === false ? 'abort-form' : 'consent-form'));
  if (consent) return browser.request(new URL(consent.action, url).href, consent.fields);
  return undefined;
}

/** Where a logout ended: the redirect to the post-logout URI (never requested) and its query, if any. */
export interface LogoutResult {
  redirectUrl?: string;
  params?: URLSearchParams;
}

/**
 * Opens an RP-initiated logout URL (the end_session_endpoint with its parameters) and confirms
 * signing out, as a user would. Returns the provider's redirect to post_logout_redirect_uri (not
 * requested), or an empty result once its "signed out" page shows. The provider refusing the
 * request (a post_logout_redirect_uri not registered, an id_token_hint it did not issue) throws
 * with its error page's text.
 */
export async function completeLogout(logoutUrl: string, options: { session?: BrowserSession } = {}): Promise<LogoutResult> {
  const { origin } = new URL(logoutUrl);
  const browser = options.session ?? new BrowserSession();
  let url = logoutUrl;
  let response = await browser.request(url);
  for (let step = 0; step < MAX_STEPS; step += 1) {
    const location = response.headers.get('location');
    if (location) {
      url = new URL(location, url).href;
      if (new URL(url).origin !== origin) return { redirectUrl: url, params: new URL(url).searchParams };
      response = await browser.request(url);
      continue;
    }
    const html = await response.text();
    if (html.includes('id="logout-success"')) return {};
    // The confirmation page, or, without a session to end, a form the page submits by script.
    const forms = parseForms(html);
    const confirm = forms.find((f) => f.id === 'op.logoutForm') ?? (forms.length === 1 ? forms[0] : undefined);
    if (!confirm) throw new Error(`completeLogout: the provider refused (${response.status}) at ${url}: ${textOf(html)}`);
    if (confirm.id === 'op.logoutForm') confirm.fields.set('logout', 'yes');
    response = await browser.request(new URL(confirm.action, url).href, confirm.fields);
  }
  throw new Error('completeLogout: too many steps');
}

function textOf(html: string): string {
  return html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 300);
}

/** Enters a device flow user code, then either confirms and signs in, or aborts. */
async function driveDeviceCode(issuer: string, userCode: string, approve: boolean, options: LoginOptions): Promise<void> {
  const browser = new BrowserSession();
  const deviceUrl = `${issuer.replace(/\/$/, '')}/device`;
  const start = await browser.request(deviceUrl);
  const input = parseForms(await start.text()).find((f) => f.id === 'op.deviceInputForm');
  if (!input) throw new Error('device flow: user code input form not found');
  input.fields.set('user_code', userCode);
  const confirmPage = await browser.request(new URL(input.action, deviceUrl).href, input.fields);
  const confirmHtml = await confirmPage.text();
  const confirm = parseForms(confirmHtml).find((f) => f.id === 'op.deviceConfirmForm');
  if (!confirm) throw new Error(`device flow: code not accepted: ${textOf(confirmHtml)}`);
  if (!approve) confirm.fields.set('abort', 'yes');

  let url = new URL(confirm.action, deviceUrl).href;
  let response = await browser.request(url, confirm.fields);
  for (let step = 0; step < MAX_STEPS; step += 1) {
    const location = response.headers.get('location');
    if (location) {
      url = new URL(location, url).href;
      response = await browser.request(url);
      continue;
    }
    const html = await response.text();
    if (html.includes('id="device-success"')) return;
    if (!approve && parseForms(html).some((f) => f.id === 'op.deviceInputForm')) return;
    const next = await submitInteraction(browser, url, parseForms(html), { ...options, consent: true });
    if (!next) throw new Error(`device flow: unexpected ${response.status} page at ${url}: ${textOf(html)}`);
    response = next;
  }
  throw new Error('device flow: too many steps');
}

/** Approves a device authorization as `username` (any user, default "alice"). */
export function approveDeviceCode(issuer: string, userCode: string, options: LoginOptions = {}): Promise<void> {
  return driveDeviceCode(issuer, userCode, true, options);
}

/** Denies a device authorization; the device then receives access_denied. */
export function denyDeviceCode(issuer: string, userCode: string, options: { username?: string } = {}): Promise<void> {
  return driveDeviceCode(issuer, userCode, false, options);
}
