import type { Authority } from '../authority/authority.js';
import { entraIssuerMatches, parseClientInfo } from '../authority/entra.js';
import type { AuthorityMetadata } from '../authority/discovery.js';
import type { AccessTokenEntity, AccountEntity, RefreshTokenEntity } from '../cache/schema.js';
import { refreshTokenRealm, tokenRealm } from '../cache/token-cache.js';
import { type IdTokenClaims, checkIdTokenClaims, checkIdTokenClock, decodeIdToken } from '../crypto/id-token.js';
import { ConfigurationError, InteractionRequiredError, InvalidResponseError, ServerError, TesseraError, ValidationError } from '../errors.js';
import { ACCESS_TOKEN_WITH_AUTH_SCHEME } from '../cache/schema.js';
import type { HttpClient } from '../http/http-client.js';
import { abortable } from '../http/retry.js';
import { type TokenResponse, tokenResponseSchema } from '../http/schemas.js';
import { type AccountInfo, type AuthenticationResult, accountFields, tokenResult, userView } from '../results.js';
import { normalizeScopes, resourceScopes, withoutOidcScopes } from '../scopes.js';
import { mergeClaims } from './claims.js';
import { postAsClient } from './client-post.js';
import type { FlowContext } from './context.js';

/**
 * Runs an acquisition that would ask the authority under the shared acquisition lock `name`:
 * inside it, `partition` is re-read from the store and `cached()` tried again, so an answer another
 * instance stored while we waited is used instead of a second request. Without a shared store it is `ask()`.
 */
export async function singleFlightAcrossInstances(
  ctx: FlowContext,
  lock: { name: string; partition: string; signal?: AbortSignal },
  cached: () => AuthenticationResult | undefined,
  ask: () => Promise<AuthenticationResult>,
): Promise<AuthenticationResult> {
  const shared = ctx.acquisitionLock;
  if (!shared) return ask();
  return shared(
    lock.name,
    async () => {
      await ctx.persistence.sync(lock.partition, lock.signal);
      return cached() ?? ask();
    },
    lock.signal,
  );
}

export interface TokenRequest {
  authority: Authority;
  /** Grant parameters (grant_type, code, refresh_token, ...). */
  params: Record<string, string | undefined>;
  /** Scopes requested: what the token is cached under when the server does not say. */
  scopes: readonly string[];
  claims?: string;
  /** The account the token is for, when already known (silent refresh). */
  account?: AccountInfo;
  /**
   * Whose tokens the answer must hold, when known without an AccountInfo: the home account id
   * the redeemed refresh token is cached under (refresh by token, on-behalf-of refresh).
   */
  expectedHomeAccountId?: string;
  /** ID-token checks tied to the request. */
  nonce?: string;
  maxAge?: number;
  /** Cache partition to write to; derived from the result when absent. */
  partition?: (home: string) => string;
  /** On-behalf-of tokens are found by the hash of the incoming assertion. */
  userAssertionHash?: string;
  /** Refresh: the scopes the redeemed refresh token was granted, kept when the answer does not say. */
  grantedScopes?: string;
  /** Whose tokens these are, when the request itself says: app-only tokens (client credentials) have no account. */
  identity?: Identity;
  /** Send to this token endpoint instead of the discovered one (an Entra regional endpoint). */
  tokenEndpoint?: string;
  signal?: AbortSignal;
  correlationId?: string;
}

const DEFAULT_EXPIRES_IN = 3600;
/** What to do when a sign-in got no refresh token. */
export const OFFLINE_ACCESS_HINT = "sign in with prompt: 'consent' (offline_access may need it) or enable refresh tokens at the provider";

/**
 * POSTs to the token endpoint, checks everything in the answer, caches it, returns the result;
 * through the context's aroundTokenRequest (a client's throttling memory) when it has one.
 */
export function requestToken(ctx: FlowContext, req: TokenRequest): Promise<AuthenticationResult> {
  const send = () => sendTokenRequest(ctx, req);
  return ctx.aroundTokenRequest ? ctx.aroundTokenRequest(ctx, req, send) : send();
}

async function sendTokenRequest(ctx: FlowContext, req: TokenRequest): Promise<AuthenticationResult> {
  const { authority, params, signal, correlationId } = req;
  const entra = authority.kind === 'entra';
  const grant = params.grant_type;
  const metadata = await ctx.metadata(authority, signal);
  const url = req.tokenEndpoint ?? metadata.token_endpoint;
  const headers: Record<string, string> = { ...ctx.appHeaders };
  // The call's context sends client-request-id (see forCall); a bare context sends the request's.
  if (correlationId && !ctx.correlationId) headers['client-request-id'] = correlationId;
  const anchor = grant === 'refresh_token' && entra && anchorMailbox(req.account);
  if (anchor) headers['x-anchormailbox'] = anchor;
  const form = { ...params, claims: mergeClaims(req.claims, ctx.clientCapabilities), client_info: entra ? '1' : undefined };
  ctx.log.log('info', () => `Token request: grant_type=${grant} to ${url}`);
  // Each send is built anew, assertion and proof included (see postAsClient): the DPoP nonce retry
  // and the transport's retries resend requests the provider may already have processed.
  const send = (http: HttpClient, fresh?: () => Promise<Record<string, string>>) =>
    postAsClient(ctx, http, metadata, { url, params: form, headers, audience: url, fresh, signal }, tokenResponseSchema, 'Token response');
  const { dpop, sendWithDpop } = ctx;
  // A session without its requests would send unbound requests and file their tokens as bound.
  if (dpop && !sendWithDpop) throw new ConfigurationError('FlowContext: set dpop with dpopContext');
  const response = sendWithDpop ? await sendWithDpop(ctx, metadata, url, send) : checkTokenType(await send(ctx.http), 'bearer', 'Bearer (set `dpop` for DPoP-bound tokens)');
  const result = await acceptTokenResponse(ctx, req, metadata, response);
  ctx.log.log('verbose', () => `Token acquired for "${result.scopes.join(' ')}": ${ctx.log.pii(result.accessToken)}`);
  return result;
}

/** Refuses a token response whose token_type is not `type` (lower case); `expected` names it and what to do. */
export function checkTokenType(response: TokenResponse, type: string, expected: string): TokenResponse {
  const got = response.token_type;
  if (got.toLowerCase() !== type) throw new InvalidResponseError(`Token response has token_type "${got}", expected ${expected}`, 200, 'invalid_token_type');
  return response;
}

async function acceptTokenResponse(ctx: FlowContext, req: TokenRequest, metadata: AuthorityMetadata, response: TokenResponse): Promise<AuthenticationResult> {
  const { authority, scopes, userAssertionHash, signal } = req;
  const { clientId, log } = ctx;
  // An empty scope says nothing, as MSAL reads it: granted as asked (`||` below). Read as "granted
  // nothing", the token would never be served from the cache, and a refresh token's grant would lose its OIDC scopes.
  const { id_token: idToken, refresh_token: refreshToken, foci, scope } = response;
  const keyId = ctx.dpop?.keyId;
  const { issuer } = metadata;
  // One clock reading for the whole answer: its ID-token checks and its cache timestamps.
  const now = ctx.now();
  const refresh = req.params.grant_type === 'refresh_token';
  const expect = {
    issuer: authority.kind === 'entra' ? (iss: string, c: IdTokenClaims) => entraIssuerMatches(issuer, iss, c.tid) : issuer,
    clientId,
    nonce: req.nonce,
    maxAge: req.maxAge,
    clockSkew: ctx.clockSkew,
    now,
  };
  let claims: IdTokenClaims | undefined;
  if (idToken) checkIdTokenClaims((claims = decodeIdToken(idToken)), expect);
  else if (req.nonce !== undefined && req.params.grant_type === 'authorization_code') {
    throw new InvalidResponseError('Token response lacks the id_token openid asks for', 200, 'missing_id_token');
  }

  checkIdentity(req, response, claims);

  // Last, the checks a refresh can fail and still cache its refresh token (keepsRefreshToken): when
  // they fail, all others passed. Then only the refresh token is cached, and the refusal thrown.
  let refused: unknown;
  if (idToken) {
    try {
      // The verifier's JWKS fetch is shared by callers: the caller's signal ends only its own wait.
      if (ctx.verifySignature) await abortable(ctx.verifySignature(idToken, { jwksUri: metadata.jwks_uri, issuer }), signal);
      checkIdTokenClock(claims!, expect);
    } catch (error) {
      if (!(refresh && keepsRefreshToken(req, error))) throw error;
      refused = error;
    }
  }

  // Durations arrive clamped to MAX_SERVER_SECONDS by the schema.
  const expiresIn = response.expires_in ?? DEFAULT_EXPIRES_IN;
  const granted = normalizeScopes(scope || scopes);
  const have = resourceScopes(granted);
  const missing = resourceScopes(scopes).filter((s) => !have.includes(s));

  const { homeAccountId: home, realm, account, accountInfo } = req.identity ?? identify(req, response, now, claims);
  const environment = authority.environment;
  const owner = { home_account_id: home, environment, client_id: clientId };
  const at: AccessTokenEntity = {
    credential_type: keyId ? ACCESS_TOKEN_WITH_AUTH_SCHEME : 'AccessToken',
    secret: response.access_token,
    ...owner,
    realm,
    target: withoutOidcScopes(granted).join(' '),
    token_type: keyId ? 'DPoP' : 'Bearer',
    cached_at: String(now),
    expires_on: String(now + expiresIn),
    extended_expires_on: String(now + (response.ext_expires_in ?? expiresIn)),
  };
  if (response.refresh_in !== undefined) at.refresh_on = String(now + response.refresh_in);
  // Both tokens carry what selects them: the on-behalf-of assertion's hash, and MSAL's key_id
  // (the thumbprint of the DPoP key they are bound to). The hash under both names, so a shared file's
  // other readers find the token: MSAL Python reads `user_assertion_hash`, msal-node `userAssertionHash`
  // (the same value: SHA-256 of the assertion, base64url).
  const bind = (entity: AccessTokenEntity | RefreshTokenEntity) => {
    if (userAssertionHash) entity.user_assertion_hash = entity.userAssertionHash = userAssertionHash;
    if (keyId) entity.key_id = keyId;
  };
  bind(at);

  const partition = req.partition?.(home);
  if (partition !== undefined) {
    await ctx.persistence.write(
      partition,
      (cache) => {
        if (refreshToken) {
          const rt: RefreshTokenEntity = { credential_type: 'RefreshToken', secret: refreshToken, ...owner, last_modification_time: String(now) };
          // What the grant holds, so refreshes ask for no OIDC scope it lacks (see refreshAccessToken).
          const target = scope || req.grantedScopes;
          if (target !== undefined) rt.target = target;
          if (foci) rt.family_id = foci;
          bind(rt);
          // Several OIDC issuers can share a host (/realms/a, /realms/b): each one's refresh token is its own.
          const rtRealm = refreshTokenRealm(authority);
          if (rtRealm) rt.realm = rtRealm;
          cache.store('RefreshToken', rt);
        }
        if (refused) return;
        cache.store('AccessToken', at);
        if (account) {
          cache.store('Account', account);
          if (idToken) cache.store('IdToken', { credential_type: 'IdToken', secret: idToken, ...owner, realm });
        }
        cache.store('AppMetadata', { client_id: clientId, environment, ...(foci ? { family_id: foci } : {}) });
      },
      signal,
      // Rotation: the store holds the redeemed refresh token, which the provider has now spent.
      refresh && !!refreshToken && refreshToken !== req.params.refresh_token,
    );
  }
  if (refused) throw refused;

  // Only about an accepted answer, once it is cached: a refused refresh (keepsRefreshToken) got this
  // far too, and a failed cache write has thrown.
  if (missing.length > 0) log.log('warning', `The server granted fewer scopes than asked; missing: ${missing.join(' ')}`);
  // A user sign-in (they all ask for offline_access unless excluded) that got no refresh token; a
  // refresh may keep the old refresh token.
  if (!req.identity && !userAssertionHash && !refresh && !refreshToken && !ctx.excludeScopes.includes('offline_access')) {
    log.log('warning', `No refresh token issued, so silent calls fail once this token expires; ${OFFLINE_ACCESS_HINT}`);
  }

  // The cache's view of the user, as cache hits give it (tenant profiles), in the token's tenant.
  const view = partition !== undefined && account ? userView(ctx.persistence.cache, clientId, home, environment, realm, authority) : undefined;
  return { ...tokenResult(at, view ?? accountInfo, false, ctx.correlationId ?? req.correlationId), scopes: granted, idToken, idTokenClaims: claims };
}

/**
 * Entra's routing hint for a refresh (MSAL's CCS credential): `Oid:<uid>@<utid>` from the home
 * account id (client_info), else `UPN:<username>`.
 */
function anchorMailbox(account: AccountInfo | undefined): string | undefined {
  const [uid, utid, extra] = account ? account.homeAccountId.split('.') : [];
  return uid && utid && extra === undefined ? `Oid:${uid}@${utid}` : account?.username ? `UPN:${account.username}` : undefined;
}

/** The home account id a request expects the answer to be for, if any. */
const expectedHome = (req: TokenRequest): string | undefined => req.account?.homeAccountId || req.expectedHomeAccountId || undefined;

/**
 * invalid_grant means "sign in again" only where a user signs in. For client credentials and
 * on-behalf-of (a bad or expired assertion, a revoked app grant) no interaction can help: it is a
 * ServerError for the caller to act on, with the provider's (already redacted) description.
 * Those flows end their token request with `.catch(throwNotInteractive)`.
 */
export function throwNotInteractive(error: unknown): never {
  // The error's own fields are the details a ServerError is made of.
  throw error instanceof InteractionRequiredError && error.error === 'invalid_grant' ? new ServerError(error) : error;
}

/**
 * Whether the answer to a refresh `req` refused with `error` still has its refresh token cached, in
 * place of the redeemed one. Providers that rotate refresh tokens with reuse detection spent the redeemed one when
 * they answered: dropping its successor means the next refresh presents a spent token and the
 * provider revokes the whole grant. So a refresh of a cached refresh token (its owner known) keeps
 * it when the refusal puts nothing about the answer in doubt: this machine's clock (checkIdTokenClock's
 * exp, nbf, iat, auth_time; a mistyped claim fails earlier, in checkIdTokenClaims, under the same
 * code) or a JWKS outage. Never for a refusal about whose or for whom the answer is (sub, iss, aud,
 * nonce), an invalid signature, or a malformed answer.
 */
function keepsRefreshToken(req: TokenRequest, error: unknown): boolean {
  return !!expectedHome(req) && error instanceof TesseraError && KEEPS_REFRESH_TOKEN.includes(error.code);
}
const KEEPS_REFRESH_TOKEN = ['invalid_exp', 'invalid_nbf', 'invalid_iat', 'invalid_auth_time', 'jwks_unavailable'];

/**
 * Whose tokens these are must be unambiguous and, on a refresh, the account being refreshed
 * (OpenID Connect Core 12.2): otherwise another user's tokens would be filed under this account.
 * Every ID token names its user (`sub`); Entra's client_info and the ID token's oid/tid must agree
 * where they can be compared; and the answer's user must be the expected one, proven by
 * client_info or (Entra without it) by an oid/tid pair the account is known by, or by `sub`.
 * Runs before anything is cached: a refusal leaves the account and its tokens as they were.
 * (On-behalf-of requests carry no account: their user is the assertion's, `expectedHomeAccountId`.)
 */
function checkIdentity(req: TokenRequest, response: TokenResponse, claims: IdTokenClaims | undefined): void {
  const refuse = (why: string) => new ValidationError('sub', `${why}; nothing was cached`);
  const { authority, account } = req;
  // The claims passed the schema: sub, oid and tid are strings when present.
  if (claims && !claims.sub) throw refuse('The ID token names no user (no sub)');
  let expected = expectedHome(req);
  if (authority.kind !== 'entra') {
    if (claims && expected !== undefined && claims.sub !== expected) throw refuse("The ID token's sub is not the account's");
    return;
  }
  expected = expected?.toLowerCase();
  // Entra users as `oid.tenant` pairs (GUIDs: case-insensitive): client_info's home pair, the
  // expected home account id, the account's own pair in its tenant; and the ID token's.
  const info = clientInfoHome(authority, response)?.toLowerCase();
  const pair = claims?.oid !== undefined && claims.tid !== undefined ? `${claims.oid}.${claims.tid}`.toLowerCase() : undefined;
  const tenantOf = (k: string) => k.slice(k.indexOf('.') + 1);
  const sameTenant = pair ? [b2cUser(info, claims), b2cUser(expected, claims), account && `${account.localAccountId}.${account.tenantId}`.toLowerCase()].filter((k) => k && tenantOf(k) === tenantOf(pair)) : [];
  if (sameTenant.some((k) => k !== pair)) throw refuse("The ID token's oid is not client_info's or the account's");
  // Proof that the answer is the expected user's: client_info, or else an ID token pair known for them.
  if (expected !== undefined && (info ? info !== expected : claims && !sameTenant.length)) throw refuse("Neither client_info nor the ID token's oid and tid prove the account");
}

/**
 * B2C's client_info uid is `<oid>-<policy>` (the policy lower-cased, as the ID token's tfp or, in
 * older policies, acr): the user's `oid.tid` pair is the home account id (lower-cased) without it.
 */
function b2cUser(home: string | undefined, claims: IdTokenClaims | undefined): string | undefined {
  const policy = claims?.tfp ?? claims?.acr;
  return home && typeof policy === 'string' ? home.replace(`-${policy}.`.toLowerCase(), '.') : home;
}

/** Entra's home account id, `uid.utid` from client_info. */
function clientInfoHome(authority: Authority, response: TokenResponse): string | undefined {
  const info = authority.kind === 'entra' ? parseClientInfo(response.client_info) : undefined;
  return info && `${info.uid}.${info.utid}`;
}

/** Whose tokens a response holds: the keys to file them under, and the account entity to cache. */
export interface Identity {
  homeAccountId: string;
  realm: string;
  account?: AccountEntity;
  accountInfo?: AccountInfo;
}

/** Works out whose token this is: the account entity to cache and the keys to file tokens under. */
function identify(req: TokenRequest, response: TokenResponse, now: number, claims?: IdTokenClaims): Identity {
  const { authority, account: known } = req;
  if (!claims) return known ? { homeAccountId: known.homeAccountId, realm: tokenRealm(authority, known.tenantId), accountInfo: known } : { homeAccountId: '', realm: authority.tenant };
  const entra = authority.kind === 'entra';
  const { sub = '', tid, name } = claims;
  const homeAccountId = clientInfoHome(authority, response) ?? expectedHome(req) ?? sub;
  // On-behalf-of tokens are looked up by assertion and configured tenant, not by the user's home tenant.
  const realm = entra && !req.userAssertionHash && tid !== undefined ? tid : authority.tenant;
  const account: AccountEntity = {
    home_account_id: homeAccountId,
    environment: authority.environment,
    realm,
    local_account_id: (entra ? claims.oid : undefined) ?? sub,
    username: usernameOf(claims),
    authority_type: entra ? 'MSSTS' : 'Generic',
    last_modified_time: String(now),
  };
  if (typeof name === 'string') account.name = name;
  if (response.client_info) account.client_info = response.client_info;
  return { homeAccountId, realm, account, accountInfo: { ...accountFields(account), idTokenClaims: claims } };
}

/**
 * The account's username: the first non-empty of preferred_username, upn, B2C's `emails[0]`, email,
 * unique_name (MSAL skips empty values too, and takes B2C's emails array).
 */
function usernameOf(claims: IdTokenClaims): string {
  const { emails } = claims;
  const found = [claims.preferred_username, claims.upn, Array.isArray(emails) && emails[0], claims.email, claims.unique_name].find((v) => typeof v === 'string' && v);
  return (found as string | undefined) ?? '';
}
