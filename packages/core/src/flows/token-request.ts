import type { Authority } from '../authority/authority.js';
import { entraIssuerMatches, parseClientInfo } from '../authority/entra.js';
import type { AuthorityMetadata } from '../authority/discovery.js';
import type { AccessTokenEntity, AccountEntity, IdTokenEntity, RefreshTokenEntity } from '../cache/schema.js';
import { refreshTokenRealm } from '../cache/token-cache.js';
import { type IdTokenClaims, decodeIdToken, validateIdTokenClaims } from '../crypto/id-token.js';
import { ConfigurationError, InteractionRequiredError, InvalidResponseError, ServerError, TesseraError, type ThrottledError, ValidationError } from '../errors.js';
import { ACCESS_TOKEN_WITH_AUTH_SCHEME } from '../cache/schema.js';
import { DPOP_ALG, dpopHtu, retryingForDpopNonce } from '../crypto/dpop.js';
import type { DpopSession } from '../crypto/dpop.js';
import type { HttpClient } from '../http/http-client.js';
import { abortable } from '../http/retry.js';
import { type TokenResponse, tokenResponseSchema } from '../http/schemas.js';
import { type AccountInfo, type AuthenticationResult, accountFields, tokenResult, userView } from '../results.js';
import { normalizeScopes, resourceScopes } from '../scopes.js';
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
export const OFFLINE_ACCESS_HINT = "No refresh token issued? Sign in with prompt: 'consent' (offline_access may need consent, OIDC Core 11) or enable refresh tokens at the provider.";

/** POSTs to the token endpoint, checks everything in the answer, caches it, returns the result. */
export async function requestToken(ctx: FlowContext, req: TokenRequest): Promise<AuthenticationResult> {
  // Throttled shapes fail fast before anything is sent (MSAL's key: client, authority, scopes, account).
  const shape = ctx.throttles && [ctx.clientId, req.authority.url, [...req.scopes].sort().join(' '), req.account?.homeAccountId ?? req.expectedHomeAccountId ?? req.userAssertionHash ?? req.params.grant_type].join('\n');
  if (shape) ctx.throttles!.check(shape, ctx.now() * 1000);
  try {
    return await sendTokenRequest(ctx, req);
  } catch (error) {
    // By code, not class: bundles without a throttle memory (the browser's) need not carry ThrottledError.
    if (shape && error instanceof TesseraError && error.code === 'throttled') ctx.throttles!.record(shape, error as ThrottledError);
    throw error;
  }
}

async function sendTokenRequest(ctx: FlowContext, req: TokenRequest): Promise<AuthenticationResult> {
  const metadata = await ctx.metadata(req.authority, req.signal);
  const endpoint = req.tokenEndpoint ?? metadata.token_endpoint;
  const headers: Record<string, string> = { ...ctx.appHeaders };
  // The call's context sends client-request-id (see forCall); a bare context sends the request's.
  if (req.correlationId && !ctx.correlationId) headers['client-request-id'] = req.correlationId;
  const anchor = req.params.grant_type === 'refresh_token' && req.authority.kind === 'entra' && anchorMailbox(req.account);
  if (anchor) headers['x-anchormailbox'] = anchor;
  const params = {
    ...req.params,
    claims: mergeClaims(req.claims, ctx.clientCapabilities),
    client_info: req.authority.kind === 'entra' ? '1' : undefined,
  };
  ctx.log.log('info', () => `Token request: grant_type=${req.params.grant_type} to ${endpoint}`);
  // Each send is built anew, assertion and proof included (see postAsClient): the DPoP nonce retry
  // and the transport's retries resend requests the provider may already have processed.
  const send = (http: HttpClient, fresh?: () => Promise<Record<string, string>>) =>
    postAsClient(ctx, http, metadata, { url: endpoint, params, headers, audience: endpoint, fresh, signal: req.signal }, tokenResponseSchema, 'Token response');
  const response = ctx.dpop ? await sendWithDpop(ctx, ctx.dpop, metadata, endpoint, send) : await send(ctx.http);
  const result = await acceptTokenResponse(ctx, req, metadata, response);
  ctx.log.log('verbose', () => `Token acquired for scopes "${result.scopes.join(' ')}" (access token ${ctx.log.pii(result.accessToken)})`);
  return result;
}

/**
 * A token request with a DPoP proof (RFC 9449 5). A server that wants a nonce answers
 * `use_dpop_nonce` with a `DPoP-Nonce` header: the request is sent once more with a new proof
 * carrying it; the nonce is remembered for the server, so the next request needs no retry.
 */
async function sendWithDpop<T>(ctx: FlowContext, dpop: DpopSession, metadata: AuthorityMetadata, url: string, send: (http: HttpClient, fresh: () => Promise<Record<string, string>>) => Promise<T>): Promise<T> {
  const algs = metadata.dpop_signing_alg_values_supported;
  if (Array.isArray(algs) && !algs.includes(DPOP_ALG)) {
    throw new ConfigurationError(`dpop: the provider accepts DPoP proofs signed with ${algs.join(', ')} only (dpop_signing_alg_values_supported); Tessera signs with ${DPOP_ALG}`);
  }
  // This authorization server's nonces, apart from those of other issuers or an API on its origin.
  return retryingForDpopNonce(
    dpop,
    dpopHtu(url),
    async (nonce, heard) => {
      const http: HttpClient = { send: (request) => ctx.http.send(request).then((response) => (heard(response.headers['dpop-nonce']), response)) };
      return send(http, async () => ({ DPoP: await dpop.proof({ method: 'POST', url, nonce }, ctx.now()) }));
    },
    (answer) => answer.error instanceof ServerError && answer.error.error === 'use_dpop_nonce',
  );
}

async function acceptTokenResponse(
  ctx: FlowContext,
  req: TokenRequest,
  metadata: AuthorityMetadata,
  response: TokenResponse,
): Promise<AuthenticationResult> {
  const tokenType = response.token_type.toLowerCase();
  if (tokenType !== (ctx.dpop ? 'dpop' : 'bearer')) {
    throw new InvalidResponseError(
      ctx.dpop
        ? `Token response has token_type "${response.token_type}" although a DPoP proof was sent: the provider did not bind the token to the key (it may not support DPoP); turn off the \`dpop\` option or enable DPoP at the provider`
        : tokenType === 'dpop'
          ? 'Token response has token_type "DPoP" although no DPoP proof was sent; set the `dpop` option for a DPoP-bound client'
          : `Token response has token_type "${response.token_type}"; only Bearer and DPoP are supported`,
      200,
      'invalid_token_type',
    );
  }
  let claims: IdTokenClaims | undefined;
  if (response.id_token) {
    claims = decodeIdToken(response.id_token);
    validateIdTokenClaims(claims, {
      issuer: req.authority.kind === 'entra' ? (iss, c) => entraIssuerMatches(metadata.issuer, iss, c.tid) : metadata.issuer,
      clientId: ctx.clientId,
      nonce: req.nonce,
      maxAge: req.maxAge,
      clockSkew: ctx.clockSkew,
      now: ctx.now(),
    });
    // The verifier's JWKS fetch is shared by callers: the caller's signal ends only its own wait.
    if (ctx.verifySignature) await abortable(ctx.verifySignature(response.id_token, { jwksUri: metadata.jwks_uri, issuer: metadata.issuer }), req.signal);
  } else if (req.nonce !== undefined && req.params.grant_type === 'authorization_code') {
    throw new InvalidResponseError('The token response has no id_token although openid was requested', 200, 'missing_id_token');
  }

  checkIdentity(req, response, claims);

  const now = ctx.now();
  // Durations arrive clamped to MAX_SERVER_SECONDS by the schema.
  const expiresIn = response.expires_in ?? DEFAULT_EXPIRES_IN;
  const granted = response.scope !== undefined ? normalizeScopes(response.scope) : normalizeScopes(req.scopes);
  const missing = resourceScopes(req.scopes).filter((s) => !granted.some((g) => g.toLowerCase() === s));
  if (missing.length > 0) ctx.log.log('warning', `The server granted fewer scopes than asked; missing: ${missing.join(' ')}`);

  // A user sign-in (they all ask for offline_access unless excluded) that got no refresh token; a
  // refresh may keep the old refresh token.
  const signIn = !req.identity && !req.userAssertionHash && req.params.grant_type !== 'refresh_token';
  if (signIn && !response.refresh_token && !ctx.excludeScopes.includes('offline_access')) {
    ctx.log.log('warning', `Silent calls will fail once this token expires. ${OFFLINE_ACCESS_HINT}`);
  }

  const identity = req.identity ?? identify(ctx, req, response, claims);
  // A tenant named by domain is this tenant id from now on (silent calls find its tokens by either).
  if (req.authority.kind === 'entra' && typeof claims?.tid === 'string' && req.authority.tenant.includes('.')) {
    ctx.tenantIds?.set(req.authority.tenant.toLowerCase(), claims.tid);
  }
  const environment = req.authority.environment;
  const cachedScopes = granted.filter((s) => resourceScopes([s]).length > 0);
  const keyId = ctx.dpop?.keyId;
  const at: AccessTokenEntity = {
    credential_type: keyId ? ACCESS_TOKEN_WITH_AUTH_SCHEME : 'AccessToken',
    secret: response.access_token,
    home_account_id: identity.homeAccountId,
    environment,
    client_id: ctx.clientId,
    realm: identity.realm,
    target: cachedScopes.join(' '),
    token_type: keyId ? 'DPoP' : 'Bearer',
    cached_at: String(now),
    expires_on: String(now + expiresIn),
    extended_expires_on: String(now + (response.ext_expires_in ?? expiresIn)),
  };
  const refreshIn = response.refresh_in;
  if (refreshIn !== undefined) at.refresh_on = String(now + refreshIn);
  if (req.userAssertionHash) at.user_assertion_hash = req.userAssertionHash;
  // MSAL's key_id: the thumbprint of the key the token is bound to.
  if (keyId) at.key_id = keyId;

  const home = identity.homeAccountId;
  const partition = req.partition?.(home);
  if (partition !== undefined) {
    await ctx.persistence.write(
      partition,
      (cache) => {
        cache.store('AccessToken', at);
        if (response.refresh_token) {
          const rt: RefreshTokenEntity = {
            credential_type: 'RefreshToken',
            secret: response.refresh_token,
            home_account_id: home,
            environment,
            client_id: ctx.clientId,
            last_modification_time: String(now),
          };
          // What the grant holds, so refreshes ask for no OIDC scope it lacks (see refreshAccessToken).
          const target = response.scope ?? req.grantedScopes;
          if (target !== undefined) rt.target = target;
          if (response.foci) rt.family_id = response.foci;
          if (req.userAssertionHash) rt.user_assertion_hash = req.userAssertionHash;
          if (keyId) rt.key_id = keyId;
          // Several OIDC issuers can share a host (/realms/a, /realms/b): each one's refresh token is its own.
          const realm = refreshTokenRealm(req.authority);
          if (realm) rt.realm = realm;
          cache.store('RefreshToken', rt);
        }
        if (identity.account) cache.store('Account', identity.account);
        if (response.id_token && identity.account) {
          const idt: IdTokenEntity = {
            credential_type: 'IdToken',
            secret: response.id_token,
            home_account_id: home,
            environment,
            client_id: ctx.clientId,
            realm: identity.realm,
          };
          cache.store('IdToken', idt);
        }
        cache.store('AppMetadata', { client_id: ctx.clientId, environment, ...(response.foci ? { family_id: response.foci } : {}) });
      },
      req.signal,
    );
  }

  // The cache's view of the user, as cache hits give it (tenant profiles), in the token's tenant.
  const view = partition !== undefined && identity.account ? userView(ctx.persistence.cache, ctx.clientId, home, environment, identity.realm) : undefined;
  return { ...tokenResult(at, view ?? identity.accountInfo, false), scopes: granted, idToken: response.id_token, idTokenClaims: claims, correlationId: ctx.correlationId ?? req.correlationId };
}

/**
 * Entra's routing hint for a refresh (MSAL's CCS credential): `Oid:<uid>@<utid>` from the home
 * account id (client_info), else `UPN:<username>`.
 */
function anchorMailbox(account: AccountInfo | undefined): string | undefined {
  if (!account) return undefined;
  const [uid, utid, extra] = account.homeAccountId.split('.');
  if (uid && utid && extra === undefined) return `Oid:${uid}@${utid}`;
  return account.username ? `UPN:${account.username}` : undefined;
}

/** The home account id a request expects the answer to be for, if any. */
function expectedHome(req: TokenRequest): string | undefined {
  return (req.userAssertionHash ? undefined : req.account?.homeAccountId) || req.expectedHomeAccountId || undefined;
}

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
 * Whose tokens these are must be unambiguous and, on a refresh, the account being refreshed
 * (OpenID Connect Core 12.2): otherwise another user's tokens would be filed under this account.
 * Every ID token names its user (`sub`); Entra's client_info and the ID token's oid/tid must agree
 * where they can be compared; and the answer's user must be the expected one, proven by
 * client_info or (Entra without it) by an oid/tid pair the account is known by, or by `sub`.
 * Runs before anything is cached: a refusal leaves the account and its tokens as they were.
 */
function checkIdentity(req: TokenRequest, response: TokenResponse, claims: IdTokenClaims | undefined): void {
  const refuse = (why: string) => new ValidationError('sub', `${why}; nothing was cached`);
  if (claims && (typeof claims.sub !== 'string' || !claims.sub)) throw refuse('The ID token names no user (no sub)');
  const expected = expectedHome(req);
  if (req.authority.kind !== 'entra') {
    if (claims && expected !== undefined && claims.sub !== expected) throw refuse('The refreshed ID token is for another user than the account');
    return;
  }
  // Entra users as `oid.tenant` pairs (GUIDs: case-insensitive): client_info's home pair, the
  // expected home account id, the account's own pair in its tenant; and the ID token's.
  const info = clientInfoHome(req.authority, response);
  const account = req.account && !req.userAssertionHash ? `${req.account.localAccountId}.${req.account.tenantId}` : undefined;
  const known = [b2cUser(info, claims), b2cUser(expected, claims), account].filter((k): k is string => !!k).map((k) => k.toLowerCase());
  const pair = claims && typeof claims.oid === 'string' && typeof claims.tid === 'string' ? `${claims.oid}.${claims.tid}`.toLowerCase() : undefined;
  const tenantOf = (k: string) => k.slice(k.indexOf('.') + 1);
  const sameTenant = pair ? known.filter((k) => tenantOf(k) === tenantOf(pair)) : [];
  if (sameTenant.some((k) => k !== pair)) throw refuse('The ID token (oid) is for another user than client_info or the account');
  if (expected === undefined) return;
  // Proof that the answer is the expected user's: client_info, or else an ID token pair known for them.
  if (info ? info.toLowerCase() !== expected.toLowerCase() : claims && sameTenant.length === 0) {
    throw refuse('The refreshed tokens are for another user than the account (or, without client_info, their ID token is not shown to be the account\'s)');
  }
}

/**
 * B2C's client_info uid is `<oid>-<policy>` (the policy lower-cased, as the ID token's tfp or, in
 * older policies, acr): the user's `oid.tid` pair is the home account id without it.
 */
function b2cUser(home: string | undefined, claims: IdTokenClaims | undefined): string | undefined {
  const policy = claims?.tfp ?? claims?.acr;
  const suffix = typeof policy === 'string' && `-${policy}.`.toLowerCase();
  return home && suffix && home.toLowerCase().includes(suffix) ? home.toLowerCase().replace(suffix, '.') : home;
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
function identify(ctx: FlowContext, req: TokenRequest, response: TokenResponse, claims?: IdTokenClaims): Identity {
  const authority = req.authority;
  if (!claims) {
    if (req.account && !req.userAssertionHash) return { homeAccountId: req.account.homeAccountId, realm: req.account.tenantId, accountInfo: req.account };
    return { homeAccountId: '', realm: authority.tenant };
  }
  const entra = authority.kind === 'entra';
  const sub = typeof claims.sub === 'string' ? claims.sub : '';
  const homeAccountId = clientInfoHome(authority, response) ?? expectedHome(req) ?? sub;
  // On-behalf-of tokens are looked up by assertion and configured tenant, not by the user's home tenant.
  const realm = entra && !req.userAssertionHash && typeof claims.tid === 'string' ? claims.tid : authority.tenant;
  const account: AccountEntity = {
    home_account_id: homeAccountId,
    environment: authority.environment,
    realm,
    local_account_id: String((entra ? claims.oid : undefined) ?? sub),
    username: usernameOf(claims),
    authority_type: entra ? 'MSSTS' : 'Generic',
    last_modified_time: String(ctx.now()),
  };
  if (typeof claims.name === 'string') account.name = claims.name;
  if (response.client_info) account.client_info = response.client_info;
  return { homeAccountId, realm, account, accountInfo: { ...accountFields(account), idTokenClaims: claims } };
}

/**
 * The account's username: the first non-empty of preferred_username, upn, B2C's `emails[0]`, email,
 * unique_name (MSAL skips empty values too, and takes B2C's emails array).
 */
function usernameOf(claims: IdTokenClaims): string {
  const emails = claims.emails;
  const first = Array.isArray(emails) ? emails[0] : undefined;
  for (const value of [claims.preferred_username, claims.upn, first, claims.email, claims.unique_name]) {
    if (typeof value === 'string' && value !== '') return value;
  }
  return '';
}

