// Accounts of OIDC issuers that share a host (Keycloak realms /realms/a and /realms/b, the same
// subject at both): each issuer's client lists, views and signs out only its own issuer's
// account. Two real dev authorities behind one loopback front door, sharing one cache store as two
// apps (or processes) sharing a file do.
import { completeAuthorization, type DevAuthority } from '@tessera/dev-authority';
import { describe, expect, it } from 'vitest';
import { MemoryCacheStore, PublicClientApplication, TokenCache } from '../src/index.js';
import { LOOPBACK_REDIRECT, usePathIssuers } from './helpers.js';

const SCOPES = ['api.read'];

type Entry = { home_account_id: string; realm?: string; secret?: string };
type CacheJson = Record<string, Record<string, Entry>>;

/** The store's cache document (one partition: `single`). */
const cacheOf = (store: MemoryCacheStore) => JSON.parse(store.data.get('default')!) as CacheJson;
/** `home`'s entries of each section filed under `realm` (refresh tokens: their realm field), by key. */
function filedUnder(cache: CacheJson, home: string, realm: string): Record<string, Record<string, Entry>> {
  const sections = ['Account', 'IdToken', 'AccessToken', 'RefreshToken'];
  return Object.fromEntries(sections.map((s) => [s, Object.fromEntries(Object.entries(cache[s] ?? {}).filter(([, e]) => e.home_account_id === home && e.realm === realm))]));
}

describe('accounts of two OIDC issuers on one host (/realms/a and /realms/b), same client id and subject', () => {
  const realms = usePathIssuers(['a', 'b']);
  /** A client of `idp` over `store` with a TokenCache of its own (another app or process). */
  const client = (idp: DevAuthority, store: MemoryCacheStore) => new PublicClientApplication({ clientId: idp.clients.native.clientId, authority: idp.issuer, cacheStore: store });
  const signIn = (app: PublicClientApplication, username: string) => app.acquireTokenByUsernamePassword({ scopes: SCOPES, username, password: 'pw' });
  /** An interactive sign-in (auth code + PKCE) on the issuer's own login and consent pages, below its path. */
  const signInInteractively = async (app: PublicClientApplication, username: string) => {
    const flow = await app.initiateAuthCodeFlow({ scopes: SCOPES, redirectUri: LOOPBACK_REDIRECT });
    return app.acquireTokenByAuthCodeFlow(flow, (await completeAuthorization(flow.authUri, { username })).redirectUrl);
  };

  it("each issuer's client lists and views only its own issuer's accounts", async () => {
    const { a, b } = realms.current;
    const store = new MemoryCacheStore();
    const [appA, appB] = [client(a!, store), client(b!, store)];
    const inA = await signIn(appA, 'ada');
    const inB = await signIn(appB, 'ada');
    await signIn(appB, 'bob');
    expect([inA.idTokenClaims?.sub, inB.idTokenClaims?.sub]).toEqual(['ada', 'ada']);
    expect(Object.values(cacheOf(store).Account!).map((e) => `${e.home_account_id} ${e.realm}`).sort()).toEqual(['ada realms/a', 'ada realms/b', 'bob realms/b']);

    const listedA = await appA.getAccounts();
    expect(listedA.map((x) => `${x.homeAccountId} ${x.tenantId}`)).toEqual(['ada realms/a']);
    // Its view is a's alone: a's ID token, and no profile of another issuer.
    expect(listedA[0]!.idTokenClaims?.iss).toBe(a!.issuer);
    expect([...listedA[0]!.tenantProfiles!.keys()]).toEqual(['realms/a']);
    expect((await appB.getAccounts()).map((x) => `${x.homeAccountId} ${x.tenantId}`).sort()).toEqual(['ada realms/b', 'bob realms/b']);
    // Sign-in results give the same view.
    expect([...inB.account!.tenantProfiles!.keys()]).toEqual(['realms/b']);
    expect(await appA.getAccount('ada')).toMatchObject({ tenantId: 'realms/a', idTokenClaims: { iss: a!.issuer } });
    expect(await appA.getAccount('bob')).toBeUndefined();
    expect((await appB.getAccount('ada'))?.tenantId).toBe('realms/b');

    // Silent calls with the listed accounts answer from each issuer's own cached token.
    a!.clearRequests();
    b!.clearRequests();
    expect(await appA.acquireTokenSilent({ account: listedA[0]!, scopes: SCOPES })).toMatchObject({ accessToken: inA.accessToken, fromCache: true, account: { tenantId: 'realms/a' } });
    expect(a!.requests).toHaveLength(0);
    expect(b!.requests).toHaveLength(0);
  });

  it("signing out at a (both signed in interactively) leaves b's account, ID token, access and refresh tokens; b still answers silently, then refreshes", async () => {
    const { a, b } = realms.current;
    const store = new MemoryCacheStore();
    const [appA, appB] = [client(a!, store), client(b!, store)];
    const inA = await signInInteractively(appA, 'grace');
    const inB = await signInInteractively(appB, 'grace');
    expect([inA.idTokenClaims?.iss, inB.idTokenClaims?.iss]).toEqual([a!.issuer, b!.issuer]);
    const before = cacheOf(store);
    const ofB = filedUnder(before, 'grace', 'realms/b');
    const ofA = filedUnder(before, 'grace', 'realms/a');
    // Each issuer has its account, ID token, access token and refresh token in the store.
    for (const filed of [ofA, ofB]) expect(Object.values(filed).map((entries) => Object.keys(entries).length)).toEqual([1, 1, 1, 1]);

    await appA.removeAccount(inA.account!);

    const after = cacheOf(store);
    // a's entries are gone, b's are there unchanged (same keys, same tokens), and nothing else of grace is left.
    expect(filedUnder(after, 'grace', 'realms/a')).toEqual({ Account: {}, IdToken: {}, AccessToken: {}, RefreshToken: {} });
    expect(filedUnder(after, 'grace', 'realms/b')).toEqual(ofB);
    const left = ['Account', 'IdToken', 'AccessToken', 'RefreshToken'].flatMap((s) => Object.values(after[s] ?? {})).filter((e) => e.home_account_id === 'grace');
    expect(left).toHaveLength(4);

    // a has signed grace out; b (another process: its own TokenCache over the store) has not.
    expect(await appA.getAccounts()).toEqual([]);
    const appB2 = client(b!, store);
    const [listed] = await appB2.getAccounts();
    expect(listed).toMatchObject({ homeAccountId: 'grace', tenantId: 'realms/b' });
    a!.clearRequests();
    b!.clearRequests();
    await expect(appA.acquireTokenSilent({ account: inA.account!, scopes: SCOPES })).rejects.toMatchObject({ code: 'no_tokens_found' });
    expect(await appB2.acquireTokenSilent({ account: listed!, scopes: SCOPES })).toMatchObject({ accessToken: inB.accessToken, fromCache: true });
    expect(a!.requests).toHaveLength(0);
    expect(b!.requests).toHaveLength(0);
    // b's refresh token still works at b.
    const refreshed = await appB2.acquireTokenSilent({ account: listed!, scopes: SCOPES, forceRefresh: true });
    expect(refreshed.idTokenClaims?.iss).toBe(b!.issuer);
    expect(b!.countRequests({ grantType: 'refresh_token' })).toBe(1);
    expect(a!.requests).toHaveLength(0);
  });

  it("a client signs out of its own issuer whichever issuer's profile the account object names", async () => {
    const { a, b } = realms.current;
    const cache = new TokenCache();
    const app = (idp: DevAuthority) => new PublicClientApplication({ clientId: idp.clients.native.clientId, authority: idp.issuer, tokenCache: cache });
    const [appA, appB] = [app(a!), app(b!)];
    const inA = await appA.acquireTokenByUsernamePassword({ scopes: SCOPES, username: 'hopper', password: 'pw' });
    const inB = await appB.acquireTokenByUsernamePassword({ scopes: SCOPES, username: 'hopper', password: 'pw' });

    // b's client, given the account object of a's sign-in: b's entries go, a's stay.
    await appB.removeAccount(inA.account!);
    const realmsLeft = (section: string) => Object.values(JSON.parse(cache.serialize())[section] as Record<string, Entry>).map((e) => e.realm);
    for (const section of ['Account', 'IdToken', 'AccessToken', 'RefreshToken']) expect(realmsLeft(section)).toEqual(['realms/a']);
    expect(await appB.getAccounts()).toEqual([]);
    a!.clearRequests();
    expect(await appA.acquireTokenSilent({ account: inA.account!, scopes: SCOPES })).toMatchObject({ accessToken: inA.accessToken, fromCache: true });
    await expect(appB.acquireTokenSilent({ account: inB.account!, scopes: SCOPES })).rejects.toMatchObject({ code: 'no_tokens_found' });
    expect(a!.requests).toHaveLength(0);
  });
});
