// Refresh against providers configured unlike our defaults (issue 9): rotation with reuse detection
// and clients sharing one TokenCache, short-lived access tokens, consent-gated offline_access, and
// invalid_grant outside user flows. Each runs against the dev authority started for the case.
import { completeAuthorization } from '@tessera/dev-authority';
import { describe, expect, it } from 'vitest';
import type { CacheStore, HttpClient, HttpResponse, LogLevel, Prompt } from '../src/index.js';
import { ConfidentialClientApplication, InteractionRequiredError, MemoryCacheStore, PublicClientApplication, ServerError, TokenCache } from '../src/index.js';
import { expiryMarginSeconds } from '../src/flows/silent.js';
import { LOOPBACK_REDIRECT, useDevAuthority } from './helpers.js';

const SCOPES = ['api.read'];
const REFRESH = { grantType: 'refresh_token' };

/** A public client with a movable clock and a log of its messages. */
function nativeClient(issuer: string, clientId: string, extra: { tokenCache?: TokenCache; cacheStore?: CacheStore; cacheStoreErrors?: 'throw' } = {}) {
  const clock = { skew: 0 };
  const logs: Array<{ level: LogLevel; message: string }> = [];
  const app = new PublicClientApplication({
    clientId,
    authority: issuer,
    now: () => Math.floor(Date.now() / 1000) + clock.skew,
    logger: { log: (level, message) => logs.push({ level, message }) },
    level: 'warning',
    ...extra,
  });
  return { app, clock, logs };
}

async function signIn(app: PublicClientApplication, username: string, prompt?: Prompt) {
  const flow = await app.initiateAuthCodeFlow({ scopes: SCOPES, redirectUri: LOOPBACK_REDIRECT, prompt });
  const { redirectUrl } = await completeAuthorization(flow.authUri, { username });
  return app.acquireTokenByAuthCodeFlow(flow, redirectUrl);
}

describe('refresh-token rotation with reuse detection, clients sharing one TokenCache', () => {
  const idp = useDevAuthority({ rotateRefreshTokens: true });

  /**
   * Two clients sharing `shared` (a TokenCache, or a cache store each client has its own TokenCache
   * over) whose token expired refresh at once: one refresh request, both get its token, and the
   * rotated refresh token still works (the grant was not revoked).
   */
  async function expectOneRefresh(shared: { tokenCache: TokenCache } | { cacheStore: CacheStore }, username: string) {
    const a = nativeClient(idp.current.issuer, idp.current.clients.native.clientId, shared);
    const b = nativeClient(idp.current.issuer, idp.current.clients.native.clientId, shared);
    const signedIn = await signIn(a.app, username);
    const account = signedIn.account!;
    a.clock.skew = b.clock.skew = 3590; // both see the one-hour token inside its expiry margin
    idp.current.clearRequests();

    const [ra, rb] = await Promise.all([a.app.acquireTokenSilent({ scopes: SCOPES, account }), b.app.acquireTokenSilent({ scopes: SCOPES, account })]);
    expect(idp.current.countRequests(REFRESH)).toBe(1);
    expect(ra.accessToken).toBe(rb.accessToken);
    expect(ra.accessToken).not.toBe(signedIn.accessToken);

    // The rotated refresh token is the one cached, and it still works: the grant was not revoked.
    const later = await b.app.acquireTokenSilent({ scopes: SCOPES, account, forceRefresh: true });
    expect(idp.current.countRequests(REFRESH)).toBe(2);
    expect(later.accessToken).not.toBe(ra.accessToken);
    expect(idp.current.requests.filter((r) => r.error === 'invalid_grant')).toEqual([]);
  }

  it('makes one refresh request for two clients whose shared token expired; the grant stays alive', () => expectOneRefresh({ tokenCache: new TokenCache() }, 'rotor'));

  // A server that builds a client per request over one cache store (MSAL's pattern for web apps),
  // with a store that cannot lock (MemoryCacheStore, or the app's own over its database): two
  // requests of one user at once must not both redeem the rotating refresh token.
  it('makes one refresh request for two clients with their own TokenCache over one store without a lock', () => expectOneRefresh({ cacheStore: new MemoryCacheStore() }, 'per-request'));

  it("takes the cache store's lock only to refresh, never on a cache hit", async () => {
    const names: string[] = [];
    class LockedStore extends MemoryCacheStore {
      async lock<T>(name: string, work: () => Promise<T>): Promise<T> {
        names.push(name);
        return work();
      }
    }
    const { app, clock } = nativeClient(idp.current.issuer, idp.current.clients.native.clientId, { cacheStore: new LockedStore() });
    const signedIn = await signIn(app, 'locker');
    const account = signedIn.account!;
    for (let i = 0; i < 3; i++) expect((await app.acquireTokenSilent({ scopes: SCOPES, account })).fromCache).toBe(true);
    expect(names).toEqual([]);
    clock.skew = 3590;
    expect((await app.acquireTokenSilent({ scopes: SCOPES, account })).fromCache).toBe(false);
    expect(names).toEqual([`refresh:${account.environment}:${account.homeAccountId}`]);
  });

  it('the dev authority revokes the grant when a rotated refresh token is redeemed again', async () => {
    const { app } = nativeClient(idp.current.issuer, idp.current.clients.native.clientId);
    const signedIn = await signIn(app, 'reuser');
    const spent = app.tokenCache.findRefreshToken(signedIn.account!.homeAccountId, signedIn.account!.environment, app.clientId)!.secret;
    await app.acquireTokenSilent({ scopes: SCOPES, account: signedIn.account!, forceRefresh: true });
    await expect(app.acquireTokenByRefreshToken(spent, { scopes: SCOPES })).rejects.toMatchObject({ error: 'invalid_grant' });
    // Reuse revoked the whole grant: the newest refresh token is dead too.
    await expect(app.acquireTokenSilent({ scopes: SCOPES, account: signedIn.account!, forceRefresh: true })).rejects.toBeInstanceOf(InteractionRequiredError);
  });
});

describe('short-lived access tokens (60 s)', () => {
  const idp = useDevAuthority({ accessTokenTtl: 60 });

  it('serves a 60 s token from the cache right after sign-in, and refreshes it near its expiry', async () => {
    const { app, clock } = nativeClient(idp.current.issuer, idp.current.clients.native.clientId);
    const signedIn = await signIn(app, 'brief');
    expect(signedIn.expiresOn.getTime() - Date.now()).toBeLessThanOrEqual(60_000);
    idp.current.clearRequests();
    const hit = await app.acquireTokenSilent({ scopes: SCOPES, account: signedIn.account! });
    expect(hit.fromCache).toBe(true);
    expect(hit.accessToken).toBe(signedIn.accessToken);
    expect(idp.current.requests).toHaveLength(0);

    clock.skew = 60 - expiryMarginSeconds(60); // at the margin: refreshed, not handed out
    const refreshed = await app.acquireTokenSilent({ scopes: SCOPES, account: signedIn.account! });
    expect(refreshed.fromCache).toBe(false);
    expect(idp.current.countRequests(REFRESH)).toBe(1);
  });

  it('scales the margin: 10% of the lifetime, at least 5 s, at most 300 s', () => {
    expect(expiryMarginSeconds(60)).toBe(6);
    expect(expiryMarginSeconds(20)).toBe(5);
    expect(expiryMarginSeconds(3600)).toBe(300);
    expect(expiryMarginSeconds(Number.NaN)).toBe(300);
  });
});

describe('offline_access granted only with consent (OpenID Connect Core 11)', () => {
  const idp = useDevAuthority({ offlineAccess: 'consent' });

  it('warns at sign-in that no refresh token came, and the later error says how to fix it', async () => {
    const { app, clock, logs } = nativeClient(idp.current.issuer, idp.current.clients.native.clientId);
    const signedIn = await signIn(app, 'noconsent');
    expect(app.tokenCache.findRefreshToken(signedIn.account!.homeAccountId, signedIn.account!.environment, app.clientId)).toBeUndefined();
    const warning = logs.find((l) => l.level === 'warning' && /No refresh token issued/.test(l.message));
    expect(warning?.message).toMatch(/prompt: 'consent'/);

    clock.skew = 3590;
    const error = await app.acquireTokenSilent({ scopes: SCOPES, account: signedIn.account! }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InteractionRequiredError);
    expect((error as Error).message).toMatch(/offline_access/);
    expect((error as Error).message).toMatch(/prompt: 'consent'/);
  });

  it('warns only about an answer that was cached: not when the cache store refuses the write', async () => {
    /** A store that refuses every write (as a file store refuses an unsafe file), so the sign-in fails. */
    class RefusingStore extends MemoryCacheStore {
      override async update(): Promise<string> {
        throw Object.assign(new Error('refused: the cache file is not safe to write'), { code: 'cache_store_refused' });
      }
    }
    const noRefreshWarnings = (logs: Array<{ message: string }>) => logs.filter((l) => /No refresh token issued/.test(l.message));
    const refused = nativeClient(idp.current.issuer, idp.current.clients.native.clientId, { cacheStore: new RefusingStore(), cacheStoreErrors: 'throw' });
    await expect(signIn(refused.app, 'noconsent')).rejects.toMatchObject({ code: 'cache_store_refused' });
    expect(noRefreshWarnings(refused.logs)).toEqual([]);

    // The same sign-in with a store that keeps it: warned once, after the answer is cached.
    const stored = new MemoryCacheStore();
    const kept = nativeClient(idp.current.issuer, idp.current.clients.native.clientId, { cacheStore: stored, cacheStoreErrors: 'throw' });
    await signIn(kept.app, 'noconsent');
    expect(noRefreshWarnings(kept.logs)).toHaveLength(1);
    expect(Object.keys(JSON.parse(stored.data.get('default')!).AccessToken)).toHaveLength(1);
  });

  it("with prompt: 'consent' the sign-in gets a refresh token and refreshes work", async () => {
    const { app, clock, logs } = nativeClient(idp.current.issuer, idp.current.clients.native.clientId);
    const signedIn = await signIn(app, 'consented', 'consent');
    expect(logs.filter((l) => /No refresh token issued/.test(l.message))).toHaveLength(0);
    clock.skew = 3590;
    idp.current.clearRequests();
    const refreshed = await app.acquireTokenSilent({ scopes: SCOPES, account: signedIn.account! });
    expect(refreshed.fromCache).toBe(false);
    expect(idp.current.countRequests(REFRESH)).toBe(1);
  });
});

describe('refresh tokens issued without offline_access granted', () => {
  const idp = useDevAuthority({ offlineAccess: 'consent', refreshTokens: 'always' });

  it('refreshes asking only for the scopes that were granted (no invalid_scope)', async () => {
    const sent: string[] = [];
    const transport: HttpClient = {
      send: async (request) => {
        if (request.body?.includes('grant_type=refresh_token')) sent.push(new URLSearchParams(request.body).get('scope') ?? '');
        const res = await fetch(request.url, { method: request.method, headers: request.headers, body: request.body });
        return { status: res.status, headers: Object.fromEntries(res.headers), body: await res.text() };
      },
    };
    const clock = { skew: 0 };
    const app = new PublicClientApplication({
      clientId: idp.current.clients.native.clientId,
      authority: idp.current.issuer,
      httpClient: transport,
      now: () => Math.floor(Date.now() / 1000) + clock.skew,
    });
    const signedIn = await signIn(app, 'keycloakish');
    expect(signedIn.scopes).not.toContain('offline_access');
    clock.skew = 3590;
    const refreshed = await app.acquireTokenSilent({ scopes: SCOPES, account: signedIn.account! });
    expect(refreshed.fromCache).toBe(false);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.split(' ')).not.toContain('offline_access');
    expect(sent[0]!.split(' ')).toContain('api.read');
  });
});

describe('invalid_grant outside user flows is not "interaction required"', () => {
  const idp = useDevAuthority();

  it('on-behalf-of with an assertion the provider refuses: ServerError with its description, assertion redacted', async () => {
    const api = new ConfidentialClientApplication({
      clientId: idp.current.clients.confidential.clientId,
      clientCredential: idp.current.clients.confidential.clientSecret,
      authority: idp.current.issuer,
    });
    const assertion = 'not-a-user-token-0123456789';
    const error = await api.acquireTokenOnBehalfOf({ scopes: SCOPES, userAssertion: assertion }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerError);
    expect(error).not.toBeInstanceOf(InteractionRequiredError);
    expect(error).toMatchObject({ error: 'invalid_grant' });
    expect((error as ServerError).errorDescription).toBeTruthy(); // oidc-provider's own text
    expect((error as Error).message).not.toContain(assertion);
  });

  it('client credentials answered with invalid_grant (Entra-shaped): ServerError, description kept', async () => {
    // oidc-provider never answers client credentials with invalid_grant; Entra does (e.g. AADSTS700024).
    const http: HttpClient = {
      send: async (request): Promise<HttpResponse> =>
        request.url.endsWith('/token')
          ? {
              status: 400,
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ error: 'invalid_grant', error_description: 'AADSTS700024: Client assertion is not within its valid time range.', error_codes: [700024] }),
            }
          : { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ issuer: 'https://idp.example', authorization_endpoint: 'https://idp.example/auth', token_endpoint: 'https://idp.example/token', jwks_uri: 'https://idp.example/jwks' }) },
    };
    const app = new ConfidentialClientApplication({ clientId: 'app', clientCredential: 's3cret', authority: 'https://idp.example', httpClient: http, retry: false });
    const error = await app.acquireTokenForClient({ scopes: ['api://x/.default'] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerError);
    expect(error).not.toBeInstanceOf(InteractionRequiredError);
    expect((error as ServerError).errorDescription).toMatch(/AADSTS700024/);
  });
});
