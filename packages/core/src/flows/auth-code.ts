import type { Authority } from '../authority/authority.js';
import { type AuthorityMetadata, refetchMetadataOnNextUse } from '../authority/discovery.js';
import { issuerMatches } from '../authority/entra.js';
import { partitionKeys } from '../cache/cache-store.js';
import { createPkce, randomToken } from '../crypto/encoding.js';
import * as z from 'zod/mini';
import { ConfigurationError, InteractionRequiredError, InvalidResponseError, ServerError, ValidationError } from '../errors.js';
import { checkShape } from '../http/oauth-response.js';
import { capText } from '../http/redaction.js';
import { optionalString, urlOf } from '../http/schemas.js';
import type { AuthenticationResult } from '../results.js';
import { normalizeScopes, withOidcScopes } from '../scopes.js';
import { mergeClaims } from './claims.js';
import { withExtraParameters } from './extra-parameters.js';
import type { FlowContext, RequestOptions } from './context.js';
import { requestToken } from './token-request.js';
import { authorizationRequest, requestUriFresh } from './pushed-authorization.js';

/** How the authorization server returns the response: in the query, the fragment, or a POSTed form. */
export type ResponseMode = 'query' | 'fragment' | 'form_post';
/** The OpenID Connect `prompt` values. */
export type Prompt = 'none' | 'login' | 'consent' | 'select_account' | 'create';

/** Options of an authorization request (initiateAuthCodeFlow, getAuthorizationRequestUrl). */
export interface AuthorizationUrlOptions extends RequestOptions {
  /** Scopes to request; `openid profile offline_access` are added unless excluded. */
  scopes: string | string[];
  /** The registered redirect URI the response comes back to. */
  redirectUri: string;
  /** The `state` value (initiateAuthCodeFlow makes a random one). */
  state?: string;
  /** The `nonce` value (initiateAuthCodeFlow makes a random one). */
  nonce?: string;
  /** `prompt`: force a login, consent or account picker, or `none` for no UI. */
  prompt?: Prompt;
  /** `login_hint`: the username to preselect. */
  loginHint?: string;
  /** `domain_hint` (Entra): skip home-realm discovery. */
  domainHint?: string;
  /** Seconds: the user must have signed in within this time; checked against auth_time. */
  maxAge?: number;
  /** `response_mode`: how the response comes back. */
  responseMode?: ResponseMode;
  /** Scopes of other resources to consent to now, without getting a token for them. */
  extraScopesToConsent?: string[];
  /** The PKCE S256 challenge (initiateAuthCodeFlow makes one). */
  codeChallenge?: string;
  /** Further authorization parameters (e.g. `ui_locales`); a parameter the library sets, or `request`/`request_uri` (they would replace the whole request), is a ConfigurationError. */
  extraQueryParameters?: Record<string, string>;
  /**
   * With DPoP: bind the code to this client's key (`dpop_jkt`, RFC 9449 10), so only the key's holder
   * can redeem it. Default true; false when the code is redeemed where this key is gone (e.g. by
   * another process, or after a redirect from a page whose key was not stored), as the provider
   * would then refuse the redemption.
   */
  bindCodeToDpopKey?: boolean;
}

/** Everything needed to finish an authorization-code sign-in; keep it (e.g. in the session) until the redirect returns. */
export interface AuthCodeFlow {
  /** The URL to open in the browser. */
  authUri: string;
  /** The `state` sent; the response must carry it back. */
  state: string;
  /** The `nonce` sent; the ID token must carry it. */
  nonce: string;
  /** The PKCE verifier, sent with the code (a secret: keep it server-side or in session storage). */
  codeVerifier: string;
  /** The redirect URI sent. */
  redirectUri: string;
  /** The scopes requested. */
  scopes: string[];
  /** The claims request sent, if any. */
  claims?: string;
  /** `max_age` sent, checked against `auth_time`. */
  maxAge?: number;
  /** The response mode requested. */
  responseMode: ResponseMode;
  /** The authority's issuer, to compare with the RFC 9207 `iss` response parameter. */
  issuer: string;
  /** Whether the server promised to send `iss` (then a missing one is an attack). */
  issRequired: boolean;
  /** The authority URL the flow started at. */
  authority: string;
  /** The correlation id of the sign-in, used again when the code is redeemed. */
  correlationId?: string;
  /** A pushed request (RFC 9126): when `authUri`'s request_uri expires (epoch seconds); see refreshAuthUri. */
  requestUriExpiresAt?: number;
  /** A pushed request: its parameters, pushed again by refreshAuthUri when the request_uri expired. */
  pushedParameters?: Record<string, string | undefined>;
}

/** An authorization response: the redirect URL, its query or fragment string, or its parameters. */
export type AuthResponse = URLSearchParams | Record<string, string | undefined> | string;

/**
 * RFC 6749 3.1.2: a redirect URI has no fragment; the provider would refuse it, or show the user its
 * error page. Refused before any request. The message shows the URI without the fragment: with
 * `redirectUri: location.href` on a return page the fragment is a response, code and all. Checked
 * where a redirect URI comes in: a sign-in's start (authorizationParameters) and
 * ClientApplication.acquireTokenByCode; a flow's redemption uses the URI its start checked.
 */
export function checkRedirectUri(uri: string): void {
  const [base, fragment] = uri.split('#');
  if (fragment !== undefined) throw new ConfigurationError(`redirectUri must not have a fragment (RFC 6749 3.1.2): register and pass ${base}`);
}

/** The authorization request's parameters (before any push); computed before discovery, so that a bad redirect URI sends nothing. */
async function authorizationParameters(ctx: FlowContext, authority: Authority, options: AuthorizationUrlOptions): Promise<Record<string, string | undefined>> {
  checkRedirectUri(options.redirectUri);
  // RFC 9449 10: the code is bound to the DPoP key, so only a holder of the key can redeem it.
  const dpopJkt = ctx.dpop && options.bindCodeToDpopKey !== false ? (await ctx.dpop.key()).thumbprint : undefined;
  const scopes = withOidcScopes([...normalizeScopes(options.scopes), ...(options.extraScopesToConsent ?? [])], ctx.excludeScopes);
  const entra = authority.kind === 'entra';
  return withExtraParameters({
    client_id: ctx.clientId,
    response_type: 'code',
    redirect_uri: options.redirectUri,
    scope: scopes.join(' '),
    state: options.state,
    nonce: options.nonce,
    prompt: options.prompt,
    login_hint: options.loginHint,
    domain_hint: options.domainHint,
    max_age: options.maxAge?.toString(),
    response_mode: options.responseMode,
    code_challenge: options.codeChallenge,
    code_challenge_method: options.codeChallenge ? 'S256' : undefined,
    claims: mergeClaims(options.claims, ctx.clientCapabilities),
    client_info: entra ? '1' : undefined,
    dpop_jkt: dpopJkt,
    // Diagnostics as MSAL sends them on the authorize URL, to Entra only: the call's correlation id and
    // who we are. Other providers may refuse parameters they do not know (not every one ignores them).
    'client-request-id': entra ? ctx.correlationId : undefined,
    // The x-client-* library headers as parameters: a browser cannot send headers to the authorize endpoint.
    ...Object.fromEntries(Object.entries(ctx.libraryHeaders ?? {}).filter(([name]) => name.startsWith('x-client-'))),
  }, options.extraQueryParameters);
}

/**
 * The authorization URL for these options. When the request is pushed (RFC 9126, see
 * PushedAuthorizationRequests) the URL holds a request_uri that expires within a minute or so:
 * open it at once (initiateAuthCodeFlow tracks the expiry for you).
 */
export async function getAuthorizationRequestUrl(
  ctx: FlowContext,
  authority: Authority,
  options: AuthorizationUrlOptions,
  metadata?: AuthorityMetadata,
): Promise<string> {
  const params = await authorizationParameters(ctx, authority, options);
  metadata ??= await ctx.metadata(authority, options.signal);
  return (await authorizationRequest(ctx, metadata, params, options.signal)).url;
}

/** Step 1: the URL to send the user to, with fresh state, nonce and a PKCE (S256) verifier. */
export async function initiateAuthCodeFlow(
  ctx: FlowContext,
  authority: Authority,
  options: Omit<AuthorizationUrlOptions, 'codeChallenge'>,
): Promise<AuthCodeFlow> {
  const { verifier, challenge } = await createPkce();
  const { state = randomToken(), nonce = randomToken(), responseMode = 'query', signal } = options;
  const params = await authorizationParameters(ctx, authority, { ...options, state, nonce, responseMode, codeChallenge: challenge });
  const metadata = await ctx.metadata(authority, signal);
  const request = await authorizationRequest(ctx, metadata, params, signal);
  return {
    authUri: request.url,
    // Pushed: what to push again when the request_uri expires before the browser opens it.
    ...(request.expiresAt !== undefined && { requestUriExpiresAt: request.expiresAt, pushedParameters: params }),
    state,
    nonce,
    codeVerifier: verifier,
    redirectUri: options.redirectUri,
    scopes: normalizeScopes(options.scopes),
    claims: options.claims,
    maxAge: options.maxAge,
    responseMode,
    issuer: metadata.issuer,
    issRequired: !!metadata.authorization_response_iss_parameter_supported,
    authority: authority.url,
    correlationId: ctx.correlationId,
  };
}

/**
 * The URL to open for the flow now: its `authUri`, or, when that holds a pushed request_uri that
 * has expired (or is about to), the same request pushed again. Call it right before sending the
 * browser: an expired request_uri would only show the user the provider's error page.
 */
export async function refreshAuthUri(ctx: FlowContext, authority: Authority, flow: AuthCodeFlow, signal?: AbortSignal): Promise<string> {
  if (!flow.pushedParameters || requestUriFresh(ctx, flow.requestUriExpiresAt)) return flow.authUri;
  const request = await authorizationRequest(ctx, await ctx.metadata(authority, signal), flow.pushedParameters, signal);
  flow.authUri = request.url;
  flow.requestUriExpiresAt = request.expiresAt;
  return request.url;
}

/**
 * Reads redirect parameters from a URL, a query or fragment string, or an object (form_post body).
 * With `responseMode` (the one the flow requested), a URL or `?`/`#` string is read only in that
 * part: a `query` flow never takes parameters from a fragment, nor a `fragment` flow from the
 * query (an attacker-appended `#code=...` or `?code=...` is not the response). Without it, a URL's
 * fragment is read when it has one, else its query. A `form_post` flow reads only a body
 * (a bare parameter string or an object), never a URL.
 */
export function parseAuthResponse(response: AuthResponse, responseMode?: ResponseMode): Record<string, string> {
  if (typeof response === 'string') {
    let query = response;
    let fragment = response;
    if (/^[a-z][a-z0-9+.-]*:/i.test(response)) {
      const url = urlOf(response);
      // (The platform's error would quote the input, code and all: name the problem only.)
      if (!url) throw new InvalidResponseError(`${RESPONSE} is not a valid URL`);
      ({ search: query, hash: fragment } = url);
    } else if (response[0] === '#') query = '';
    else if (response[0] === '?') fragment = '';
    // form_post answers in the POST body: a URL's own parts are never the response (a bare
    // parameter string is both query and fragment).
    if (responseMode === 'form_post' && query !== fragment) return {};
    const text = responseMode === 'query' ? query : responseMode === 'fragment' || fragment.length > 1 ? fragment : query;
    return Object.fromEntries(new URLSearchParams(text.replace(/^[?#]/, '')));
  }
  if (response instanceof URLSearchParams) return Object.fromEntries(response);
  // An object (zod refuses anything else) whose protocol parameters are strings; other members
  // (not from a redirect) are dropped.
  checkShape(authResponseSchema, response, RESPONSE);
  // fromEntries defines own properties, so a "__proto__" parameter cannot reach the prototype.
  return Object.fromEntries(Object.entries(response).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

const RESPONSE = 'Authorization response';
const param = optionalString;
/** Parameters of an authorization response (RFC 6749 4.1.2, RFC 9207 `iss`), as a redirect brings them. */
const authResponseSchema = z.looseObject({ code: param, state: param, iss: param, error: param, error_description: param, session_state: param });
export type AuthResponseParams = z.infer<typeof authResponseSchema>;

/**
 * Checks the redirect against the flow before anything else: state (CSRF), then `iss`
 * (RFC 9207 mix-up defence, for errors too), then the OAuth error, then the code. `authority`:
 * the flow's, whose discovery document an error may show to be out of date.
 */
export function checkAuthResponse(flow: AuthCodeFlow, { state, iss, error, error_description, code }: Record<string, string>, authority?: Authority): string {
  const bad = (check: string, problem: string) => new ValidationError(check, `${RESPONSE} ${problem}`);
  if (!state || state !== flow.state) throw bad('state', state ? 'state does not match the request' : 'has no state');
  if (iss === undefined ? flow.issRequired : !issuerMatches(flow.issuer, iss)) {
    throw bad('iss', iss === undefined ? 'lacks the iss the server promised' : 'iss is not the authority (mix-up attack?)');
  }
  if (error) {
    // A provider that now requires PAR refuses an unpushed request with invalid_request
    // (oidc-provider: "Pushed Authorization Request must be used"): its discovery document may have
    // changed, so the next sign-in fetches it again instead of failing the same way until it ages out.
    if (authority && error === 'invalid_request' && !flow.pushedParameters) refetchMetadataOnNextUse(authority);
    // Server text, capped as every error body's is (a redirect URL can carry megabytes).
    const details = { error: capText(error), errorDescription: error_description && capText(error_description) };
    throw InteractionRequiredError.matches(error) && error !== 'invalid_grant' ? new InteractionRequiredError(details) : new ServerError(details);
  }
  if (!code) throw new InvalidResponseError(`${RESPONSE} has neither code nor error`, undefined, 'missing_code');
  return code;
}

/**
 * Flows already redeemed in this process, keyed by their PKCE verifier (fresh for every flow):
 * a second redemption of one flow is refused before any request, even when the server would
 * accept the code again. Codes live minutes, so entries older than an hour go; the map is capped.
 */
const redeemedFlows = new Map<string, number>();
const REDEEMED_TTL_MS = 60 * 60 * 1000;
const REDEEMED_MAX = 10_000;

function markRedeemed(flow: AuthCodeFlow): void {
  const key = `${flow.codeVerifier}\n${flow.state}`;
  if (redeemedFlows.has(key)) {
    throw new ValidationError('replay', 'This auth code flow was already redeemed; start a new sign-in');
  }
  const now = Date.now();
  for (const [k, at] of redeemedFlows) {
    if (now - at < REDEEMED_TTL_MS && redeemedFlows.size < REDEEMED_MAX) break;
    redeemedFlows.delete(k);
  }
  redeemedFlows.set(key, now);
}

/**
 * The flow must be redeemed at the issuer it was started at: another authority's token endpoint
 * (another realm of one host, with the same client id) would get its code, verifier and redirect
 * URI. Issuers are compared as the response's `iss` is (checkAuthResponse), so an Entra tenant's
 * flow stays redeemable by its multi-tenant authority (`common`, `organizations`) and the other way
 * round, and a tenant's domain and GUID authorities are one.
 */
async function checkFlowAuthority(ctx: FlowContext, authority: Authority, flow: AuthCodeFlow, signal?: AbortSignal): Promise<void> {
  const { issuer } = await ctx.metadata(authority, signal);
  if (issuer !== flow.issuer && !issuerMatches(issuer, flow.issuer) && !issuerMatches(flow.issuer, issuer)) {
    throw new ConfigurationError(
      `Sign-in started at ${flow.authority}, not at this client's authority ${authority.url}: redeem it with the client of ${flow.authority}, or start it with this client`,
      'authority_mismatch',
    );
  }
}

/**
 * Step 2: validate the redirect and redeem the code (with the PKCE verifier and nonce of step 1).
 * A flow is redeemed at most once: the next call with it fails with ValidationError `invalid_replay`.
 * A flow started at another issuer fails with ConfigurationError `authority_mismatch`, before any token request.
 */
export async function acquireTokenByAuthCodeFlow(
  ctx: FlowContext,
  authority: Authority,
  flow: AuthCodeFlow,
  response: AuthResponse,
  options: RequestOptions & { scopes?: string | string[] } = {},
): Promise<AuthenticationResult> {
  const code = checkAuthResponse(flow, parseAuthResponse(response, flow.responseMode), authority);
  await checkFlowAuthority(ctx, authority, flow, options.signal);
  // Only an authentic response (state and iss checked) spends the flow: a forged one cannot burn it.
  markRedeemed(flow);
  // The flow's redirectUri, codeVerifier, nonce and maxAge; the call's scopes, claims and correlation id when given.
  return acquireTokenByCode(ctx, authority, code, { ...options, ...flow, scopes: options.scopes ?? flow.scopes, claims: options.claims ?? flow.claims, correlationId: options.correlationId });
}

/** Options of acquireTokenByCode. */
export interface AcquireTokenByCodeOptions extends RequestOptions {
  /** The scopes the code was requested for. */
  scopes: string | string[];
  /** The redirect URI of the authorization request. */
  redirectUri: string;
  /** The PKCE verifier of the authorization request. */
  codeVerifier?: string;
  /** The nonce sent; the ID token must carry it. */
  nonce?: string;
  /** `max_age` sent, checked against `auth_time`. */
  maxAge?: number;
}

/** Redeems an authorization code obtained some other way (lower level than the flow methods). */
export function acquireTokenByCode(ctx: FlowContext, authority: Authority, code: string, options: AcquireTokenByCodeOptions): Promise<AuthenticationResult> {
  const scopes = normalizeScopes(options.scopes);
  return requestToken(ctx, {
    authority,
    params: {
      grant_type: 'authorization_code',
      code,
      redirect_uri: options.redirectUri,
      code_verifier: options.codeVerifier,
      scope: withOidcScopes(scopes, ctx.excludeScopes).join(' '),
    },
    scopes,
    claims: options.claims,
    nonce: options.nonce,
    maxAge: options.maxAge,
    partition: (home) => partitionKeys.account(ctx.partitioning, home),
    signal: options.signal,
    correlationId: options.correlationId,
  });
}
