// A refresh answer refused for a reason that leaves its owner in no doubt (this machine's clock, a
// JWKS outage) keeps the answer's rotated refresh token, and nothing else: with a provider that
// rotates refresh tokens with reuse detection (the dev authority's default), dropping it would make
// the next refresh present a spent token and get the whole grant revoked. A refusal about identity
// keeps nothing. Runs against the dev authority; the client's clock is its `now` option, and the JWKS
// outage is the JWKS request answered 503 on the client's way to the provider.
import { completeAuthorization } from '@tessera/dev-authority';
import { exportJWK, generateKeyPair } from 'jose';
import { describe, expect, it } from 'vitest';
import { FetchHttpClient, type HttpClient, type HttpRequest, InvalidResponseError, PublicClientApplication, TokenCache, ValidationError, jwksSignatureVerifier } from '../src/index.js';
import { LOOPBACK_REDIRECT, useDevAuthority } from './helpers.js';

const SCOPES = ['api.read'];
const REFRESH = { grantType: 'refresh_token' };

describe('a refresh refused for the clock or a JWKS outage keeps the rotated refresh token', () => {
  const idp = useDevAuthority({ rotateRefreshTokens: true });

  /** Each refresh as the client sent it and as the provider answered: the refresh tokens presented and issued. */
  const refreshes: Array<{ presented: string; issued?: string }> = [];
  /** When set, the JWKS endpoint is down (HTTP 503), or answers `forged` (another key under the provider's kid). */
  const jwks: { down: boolean; forged?: string } = { down: false };
  /**
   * When set, refresh answers grant this scope no more (removed from their `scope`), as Entra does for
   * a scope whose consent was revoked; the dev authority refuses such refreshes instead (invalid_scope).
   */
  const narrow: { scope?: string } = {};
  const fetch = new FetchHttpClient();
  const http: HttpClient = {
    async send(request: HttpRequest) {
      if (jwks.down && request.url.endsWith('/jwks')) return { status: 503, headers: {}, body: '' };
      if (jwks.forged && request.url.endsWith('/jwks')) return { status: 200, headers: { 'content-type': 'application/json' }, body: jwks.forged };
      const response = await fetch.send(request);
      const presented = new URLSearchParams(request.body ?? '').get('refresh_token');
      if (!presented) return response;
      const answer = JSON.parse(response.body) as { refresh_token?: string; scope?: string };
      refreshes.push({ presented, issued: answer.refresh_token });
      if (!narrow.scope || answer.scope === undefined) return response;
      answer.scope = answer.scope.split(' ').filter((s) => s !== narrow.scope).join(' ');
      return { ...response, body: JSON.stringify(answer) };
    },
  };

  /** A public client with a movable clock over `tokenCache`, checking signatures when asked; `logs` gets its log lines. */
  function client(tokenCache: TokenCache, verify = false) {
    const clock = { skew: 0 };
    const logs: Array<{ level: string; message: string }> = [];
    const app = new PublicClientApplication({
      logger: { log: (level, message) => logs.push({ level, message }) },
      clientId: idp.current.clients.native.clientId,
      authority: idp.current.issuer,
      httpClient: http,
      tokenCache,
      now: () => Math.floor(Date.now() / 1000) + clock.skew,
      idTokenSignatureVerifier: verify ? jwksSignatureVerifier : undefined,
    });
    return { app, clock, logs };
  }

  async function signIn(app: PublicClientApplication, username: string, scopes = SCOPES) {
    const flow = await app.initiateAuthCodeFlow({ scopes, redirectUri: LOOPBACK_REDIRECT });
    const { redirectUrl } = await completeAuthorization(flow.authUri, { username });
    return (await app.acquireTokenByAuthCodeFlow(flow, redirectUrl)).account!;
  }

  const storedRefreshToken = (app: PublicClientApplication, account: { homeAccountId: string; environment: string }) =>
    app.tokenCache.findRefreshToken(account.homeAccountId, account.environment, app.clientId)?.secret;

  /**
   * After a refused refresh that kept the rotated token: the next refresh presents it, succeeds, and
   * the grant is alive (the provider saw no reuse and refused nothing).
   */
  async function expectGrantAlive(app: PublicClientApplication, account: Parameters<PublicClientApplication['acquireTokenSilent']>[0]['account'], rotated: string) {
    refreshes.length = 0;
    idp.current.clearRequests();
    const result = await app.acquireTokenSilent({ scopes: SCOPES, account, forceRefresh: true });
    expect(result.fromCache).toBe(false);
    expect(refreshes.map((r) => r.presented)).toEqual([rotated]);
    await app.acquireTokenSilent({ scopes: SCOPES, account, forceRefresh: true });
    expect(idp.current.requests.filter((r) => r.grantType === 'refresh_token').map((r) => [r.status, r.error])).toEqual([
      [200, undefined],
      [200, undefined],
    ]);
  }

  it('an ID token issued "in the future" by a slow client clock: the same ValidationError, then the next refresh uses the rotated token', async () => {
    const { app, clock } = client(new TokenCache());
    const account = await signIn(app, 'slowclock');
    const spent = storedRefreshToken(app, account)!;
    const cachedBefore = app.tokenCache.serialize();
    refreshes.length = 0;
    idp.current.clearRequests();

    clock.skew = -3600; // an hour slow: the refreshed ID token's iat is far beyond the 300 s skew
    await expect(app.acquireTokenSilent({ scopes: SCOPES, account, forceRefresh: true })).rejects.toSatisfy((e) => e instanceof ValidationError && e.check === 'iat');
    expect(idp.current.countRequests(REFRESH)).toBe(1);
    const [{ presented, issued }] = refreshes as [{ presented: string; issued: string }];
    expect(presented).toBe(spent);
    expect(issued).toBeTruthy();
    expect(issued).not.toBe(spent);
    // Only the refresh token changed: same key (the redeemed one's), new secret; nothing else cached.
    const cached = JSON.parse(app.tokenCache.serialize()) as Record<string, Record<string, { secret?: string }>>;
    const before = JSON.parse(cachedBefore) as typeof cached;
    expect(Object.keys(cached.RefreshToken!)).toEqual(Object.keys(before.RefreshToken!));
    expect(Object.values(cached.RefreshToken!).map((rt) => rt.secret)).toEqual([issued]);
    expect({ ...cached, RefreshToken: {} }).toEqual({ ...before, RefreshToken: {} });

    clock.skew = 0;
    await expectGrantAlive(app, account, issued);
  });

  it('a refused answer granting fewer scopes logs no scope warning (it was not accepted); the accepted one does', async () => {
    const scopes = ['api.read', 'api.write'];
    const { app, clock, logs } = client(new TokenCache());
    const account = await signIn(app, 'narrowed', scopes);
    const scopeWarnings = () => logs.filter((l) => l.level === 'warning' && /fewer scopes/.test(l.message)).map((l) => l.message);
    expect(scopeWarnings()).toEqual([]);
    narrow.scope = 'api.write';
    try {
      clock.skew = -3600;
      await expect(app.acquireTokenSilent({ scopes, account, forceRefresh: true })).rejects.toSatisfy((e) => e instanceof ValidationError && e.check === 'iat');
      expect(refreshes.at(-1)!.issued).toBeTruthy(); // the provider answered; the answer was refused
      expect(scopeWarnings()).toEqual([]);
      clock.skew = 0;
      const result = await app.acquireTokenSilent({ scopes, account, forceRefresh: true });
      expect(result.scopes).not.toContain('api.write');
      expect(scopeWarnings()).toEqual(['The server granted fewer scopes than asked; missing: api.write']);
    } finally {
      narrow.scope = undefined;
    }
  });

  it('a refusal about identity keeps nothing, even when the clock is off too', async () => {
    const { app, clock } = client(new TokenCache());
    const alice = await signIn(app, 'alice-keeprt');
    for (const skew of [-3600, 0]) {
      // Alice's cache entry holds Bob's refresh token (a fresh one each time): the answer to its refresh is Bob's.
      clock.skew = 0;
      const bob = await signIn(app, `bob-keeprt${skew}`);
      const alicesEntry = app.tokenCache.findRefreshToken(alice.homeAccountId, alice.environment, app.clientId)!;
      app.tokenCache.store('RefreshToken', { ...alicesEntry, secret: storedRefreshToken(app, bob)! });
      clock.skew = skew;
      const cachedBefore = app.tokenCache.serialize();
      refreshes.length = 0;
      await expect(app.acquireTokenSilent({ scopes: SCOPES, account: alice, forceRefresh: true })).rejects.toSatisfy((e) => e instanceof ValidationError && e.check === 'sub');
      // The provider answered with a rotated token, and it was not kept anywhere.
      expect(refreshes.map((r) => r.presented)).toEqual([storedRefreshToken(app, alice)]);
      expect(refreshes[0]!.issued).toBeTruthy();
      expect(app.tokenCache.serialize()).toBe(cachedBefore);
      expect(app.tokenCache.serialize()).not.toContain(refreshes[0]!.issued);
    }
  });

  it('a JWKS outage: the same jwks_unavailable error, then the next refresh uses the rotated token', async () => {
    const tokenCache = new TokenCache();
    const { app: signer } = client(tokenCache);
    const account = await signIn(signer, 'jwksdown');
    // A client that checks signatures, whose first JWKS fetch meets the outage.
    const { app } = client(tokenCache, true);
    const spent = storedRefreshToken(app, account)!;
    refreshes.length = 0;
    idp.current.clearRequests();
    jwks.down = true;
    try {
      await expect(app.acquireTokenSilent({ scopes: SCOPES, account, forceRefresh: true })).rejects.toSatisfy((e) => e instanceof InvalidResponseError && e.code === 'jwks_unavailable');
    } finally {
      jwks.down = false;
    }
    const [{ presented, issued }] = refreshes as [{ presented: string; issued: string }];
    expect(presented).toBe(spent);
    expect(storedRefreshToken(app, account)).toBe(issued);
    expect(issued).not.toBe(spent);

    await expectGrantAlive(app, account, issued);
  });

  it('an invalid signature (a key the provider does not hold, under its kid) keeps nothing', async () => {
    const tokenCache = new TokenCache();
    const { app: signer } = client(tokenCache);
    const account = await signIn(signer, 'forged-jwks');
    const get = async <T>(url: string) => JSON.parse((await fetch.send({ method: 'GET', url })).body) as T;
    const { jwks_uri } = await get<{ jwks_uri: string }>(`${idp.current.issuer}/.well-known/openid-configuration`);
    const real = await get<{ keys: Array<{ kid: string; alg?: string }> }>(jwks_uri);
    const forgedKey = await exportJWK((await generateKeyPair('RS256')).publicKey);
    jwks.forged = JSON.stringify({ keys: real.keys.map(({ kid, alg }) => ({ ...forgedKey, kid, alg: alg ?? 'RS256', use: 'sig' })) });
    const { app } = client(tokenCache, true);
    const cachedBefore = tokenCache.serialize();
    refreshes.length = 0;
    try {
      await expect(app.acquireTokenSilent({ scopes: SCOPES, account, forceRefresh: true })).rejects.toSatisfy((e) => e instanceof ValidationError && e.check === 'signature');
    } finally {
      jwks.forged = undefined;
    }
    expect(refreshes[0]!.issued).toBeTruthy();
    expect(tokenCache.serialize()).toBe(cachedBefore);
    expect(tokenCache.serialize()).not.toContain(refreshes[0]!.issued);
  });
});
