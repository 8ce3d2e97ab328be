// Whose token a cache entry is: owners that differ must never share an entry. Against the real
// dev authority: case-sensitive subjects, on-behalf-of answers with and without an ID token, and
// two issuers on one host (path issuers behind one loopback front door).
import type { DevAuthority } from '@tessera/dev-authority';
import { describe, expect, it } from 'vitest';
import { ConfidentialClientApplication, MemoryCacheStore, PublicClientApplication, TokenCache } from '../src/index.js';
import { useDevAuthority, usePathIssuers } from './helpers.js';

const SCOPES = ['api.read'];
const OBO = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

describe('subjects are compared exactly (OIDC subjects are case-sensitive)', () => {
  const idp = useDevAuthority({ caseSensitiveSubjects: true });

  it('"Alice" and "ALICE" are two accounts with their own tokens', async () => {
    const app = new PublicClientApplication({ clientId: idp.current.clients.native.clientId, authority: idp.current.issuer });
    const alice = await app.acquireTokenByUsernamePassword({ scopes: SCOPES, username: 'Alice', password: 'pw' });
    const upper = await app.acquireTokenByUsernamePassword({ scopes: SCOPES, username: 'ALICE', password: 'pw' });
    expect([alice.account?.homeAccountId, upper.account?.homeAccountId]).toEqual(['Alice', 'ALICE']);

    const accounts = await app.getAccounts();
    expect(accounts.map((a) => a.homeAccountId).sort()).toEqual(['ALICE', 'Alice']);
    idp.current.clearRequests();
    for (const [account, expected] of [
      [alice.account!, alice],
      [upper.account!, upper],
    ] as const) {
      const silent = await app.acquireTokenSilent({ account, scopes: SCOPES });
      expect(silent).toMatchObject({ accessToken: expected.accessToken, fromCache: true });
      expect(silent.account?.idTokenClaims?.sub).toBe(account.homeAccountId);
    }
    expect(idp.current.requests).toHaveLength(0);
    // Each refresh token is its owner's: a refresh for Alice is answered for Alice.
    const refreshed = await app.acquireTokenSilent({ account: alice.account!, scopes: SCOPES, forceRefresh: true });
    expect(refreshed.idTokenClaims?.sub).toBe('Alice');
  });
});

describe('on-behalf-of tokens are keyed by the assertion they were exchanged for', () => {
  const idp = useDevAuthority();

  for (const withIdToken of [true, false]) {
    it(`user1, user2, user1 make 2 requests, each user gets their own token (${withIdToken ? 'with' : 'without'} an ID token)`, async () => {
      const native = new PublicClientApplication({ clientId: idp.current.clients.native.clientId, authority: idp.current.issuer });
      const [user1, user2] = await Promise.all(
        ['obo-one', 'obo-two'].map(async (username) => (await native.acquireTokenByUsernamePassword({ scopes: SCOPES, username, password: 'pw' })).accessToken),
      );
      // A store partitioned per assertion, as services share one (Redis): each user's partition holds their token.
      const store = new MemoryCacheStore();
      const api = new ConfidentialClientApplication({
        cacheStore: store,
        cachePartitioning: 'perKey',
        clientId: idp.current.clients.confidential.clientId,
        clientCredential: idp.current.clients.confidential.clientSecret,
        authority: idp.current.issuer,
        // Without `openid` the dev authority answers without an id_token, as Entra's OBO and RFC 8693 exchanges often do.
        excludeScopes: withIdToken ? [] : ['openid', 'profile', 'offline_access'],
      });
      idp.current.clearRequests();
      const first = await api.acquireTokenOnBehalfOf({ scopes: SCOPES, userAssertion: user1! });
      expect(first.idToken === undefined).toBe(!withIdToken);
      const second = await api.acquireTokenOnBehalfOf({ scopes: SCOPES, userAssertion: user2! });
      const again = await api.acquireTokenOnBehalfOf({ scopes: SCOPES, userAssertion: user1! });
      expect(idp.current.countRequests({ grantType: OBO })).toBe(2);
      expect(second.accessToken).not.toBe(first.accessToken);
      expect(again).toMatchObject({ accessToken: first.accessToken, fromCache: true });
      const stored = [...store.data.values()].map((json) => Object.values(JSON.parse(json).AccessToken).map((at) => (at as { secret: string }).secret));
      expect(stored.sort()).toEqual([[first.accessToken], [second.accessToken]].sort());
    });
  }
});

describe("on-behalf-of tokens never mix with the user's own tokens in one client", () => {
  const idp = useDevAuthority();

  it("the API's exchange for ada's assertion and ada's own sign-in to the API client keep their own access and refresh tokens", async () => {
    const native = new PublicClientApplication({ clientId: idp.current.clients.native.clientId, authority: idp.current.issuer });
    const assertion = (await native.acquireTokenByUsernamePassword({ scopes: SCOPES, username: 'ada', password: 'pw' })).accessToken;
    const { clientId, clientSecret } = idp.current.clients.confidential;
    const api = new ConfidentialClientApplication({ clientId, clientCredential: clientSecret, authority: idp.current.issuer });
    const own = await api.acquireTokenByUsernamePassword({ scopes: SCOPES, username: 'ada', password: 'pw' });
    const obo = await api.acquireTokenOnBehalfOf({ scopes: SCOPES, userAssertion: assertion });
    expect(obo.accessToken).not.toBe(own.accessToken);
    idp.current.clearRequests();
    // Each is found again by its own key: the account's silent call, the assertion's exchange.
    expect(await api.acquireTokenSilent({ account: own.account!, scopes: SCOPES })).toMatchObject({ accessToken: own.accessToken, fromCache: true });
    expect(await api.acquireTokenOnBehalfOf({ scopes: SCOPES, userAssertion: assertion })).toMatchObject({ accessToken: obo.accessToken, fromCache: true });
    expect(idp.current.requests).toHaveLength(0);
    // The account's refresh redeems (and rotates) the account's refresh token, never the exchange's.
    const refreshTokens = () => Object.values(JSON.parse(api.tokenCache.serialize()).RefreshToken as Record<string, { secret: string; user_assertion_hash?: string }>);
    const exchanges = () => refreshTokens().filter((rt) => rt.user_assertion_hash).map((rt) => rt.secret);
    const [oboRefreshToken] = exchanges();
    const ownRefreshToken = refreshTokens().find((rt) => !rt.user_assertion_hash)!.secret;
    const refreshed = await api.acquireTokenSilent({ account: own.account!, scopes: SCOPES, forceRefresh: true });
    expect(refreshed.idTokenClaims?.sub).toBe('ada');
    expect(exchanges()).toEqual([oboRefreshToken]);
    expect(refreshTokens().filter((rt) => !rt.user_assertion_hash).map((rt) => rt.secret)).not.toContain(ownRefreshToken);
    expect(await api.acquireTokenOnBehalfOf({ scopes: SCOPES, userAssertion: assertion })).toMatchObject({ accessToken: obo.accessToken, fromCache: true });
  });
});

describe('two issuers on one host (/realms/a and /realms/b), same client id and user', () => {
  const realms = usePathIssuers(['a', 'b']);

  it("each realm's refresh token goes to its own token endpoint", async () => {
    const { a, b } = realms.current;
    const cache = new TokenCache();
    const app = (idp: DevAuthority) => new PublicClientApplication({ clientId: idp.clients.native.clientId, authority: idp.issuer, tokenCache: cache });
    const [appA, appB] = [app(a!), app(b!)];
    expect(a!.clients.native.clientId).toBe(b!.clients.native.clientId);
    const inA = await appA.acquireTokenByUsernamePassword({ scopes: SCOPES, username: 'ada', password: 'pw' });
    await appB.acquireTokenByUsernamePassword({ scopes: SCOPES, username: 'ada', password: 'pw' });
    expect(inA.account?.environment).toBe(new URL(b!.issuer).host);

    a!.clearRequests();
    b!.clearRequests();
    const refreshedA = await appA.acquireTokenSilent({ account: inA.account!, scopes: SCOPES, forceRefresh: true });
    expect(refreshedA.idTokenClaims?.iss).toBe(a!.issuer);
    expect(a!.countRequests({ path: '/token', grantType: 'refresh_token' })).toBe(1);
    expect(b!.requests).toHaveLength(0);
    // And b's still works at b.
    const [accountB] = (await appB.getAccounts()).filter((x) => x.tenantId === 'realms/b');
    await appB.acquireTokenSilent({ account: accountB!, scopes: SCOPES, forceRefresh: true });
    expect(b!.countRequests({ grantType: 'refresh_token' })).toBe(1);
  });

  // The user has an account entry per issuer in the shared cache (same home account id on one
  // host); an account object names one of them (here a's, passed to b's client). A client of one issuer
  // must serve only its issuer's tokens, whichever profile the account object names: the other
  // issuer's token is for another audience and another identity system.
  it("a client of one issuer never serves or overwrites the other issuer's access token, whichever profile the account names", async () => {
    const { a, b } = realms.current;
    const cache = new TokenCache();
    const app = (idp: DevAuthority, excludeScopes?: string[]) => new PublicClientApplication({ clientId: idp.clients.native.clientId, authority: idp.issuer, tokenCache: cache, excludeScopes });
    const [appA, appB] = [app(a!), app(b!)];
    const inA = await appA.acquireTokenByUsernamePassword({ scopes: SCOPES, username: 'grace', password: 'pw' });
    const inB = await appB.acquireTokenByUsernamePassword({ scopes: SCOPES, username: 'grace', password: 'pw' });
    const account = inA.account;
    expect(account!.tenantId).toBe('realms/a');

    a!.clearRequests();
    b!.clearRequests();
    expect(await appB.acquireTokenSilent({ account: account!, scopes: SCOPES })).toMatchObject({ accessToken: inB.accessToken, fromCache: true });
    expect(await appA.acquireTokenSilent({ account: account!, scopes: SCOPES })).toMatchObject({ accessToken: inA.accessToken, fromCache: true });

    // A refresh at b whose answer has no ID token (the client leaves out openid) files b's token as b's.
    const refreshedB = await app(b!, ['openid', 'profile']).acquireTokenSilent({ account: account!, scopes: SCOPES, forceRefresh: true });
    expect(refreshedB.idToken).toBeUndefined();
    expect(await appA.acquireTokenSilent({ account: account!, scopes: SCOPES })).toMatchObject({ accessToken: inA.accessToken, fromCache: true });
    expect(await appB.acquireTokenSilent({ account: account!, scopes: SCOPES })).toMatchObject({ accessToken: refreshedB.accessToken, fromCache: true });
    expect(a!.requests).toHaveLength(0);

    // Signed in at a only: b has nothing for them, and says so.
    const onlyA = (await appA.acquireTokenByUsernamePassword({ scopes: SCOPES, username: 'hopper', password: 'pw' })).account!;
    await expect(appB.acquireTokenSilent({ account: onlyA, scopes: SCOPES })).rejects.toMatchObject({ code: 'no_tokens_found' });
  });
});
