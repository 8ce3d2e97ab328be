// The real @azure/msal-node and Tessera sharing a cache file at OIDC issuers that share a host
// (/realms/a and /realms/b): msal-node files its account under no issuer path (MSSTS, realm = a
// claim or empty), so every issuer's client lists it, and a sign-out must take it too.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PublicClientApplication, clearMetadataCache } from '@tessera/core';
import { type DevAuthority, startDevAuthority } from '@tessera/dev-authority';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFrontDoor, usePathIssuers } from '../../core/test/helpers.js';
import { FileCacheStore } from '../src/index.js';
import { useTempDir } from './credentials-helpers.js';
import { msalPublicClient } from './support/msal-node-peer.js';

const SCOPES = ['api.read'];

type Entry = { home_account_id: string; realm?: string; authority_type?: string };
const readCache = async (path: string) => JSON.parse(await readFile(path, 'utf8')) as Record<string, Record<string, Entry>>;

describe("msal-node's account at one of two OIDC issuers on a host", () => {
  const realms = usePathIssuers(['a', 'b']);
  const tmp = useTempDir();
  /** A Tessera client of `idp` on the file (a fresh instance: another process). */
  const tessera = (idp: DevAuthority, path: string) =>
    new PublicClientApplication({ clientId: idp.clients.native.clientId, authority: idp.issuer, cacheStore: new FileCacheStore({ path, allowUnencryptedStorage: true }) });

  it('a sign-out at a, while the user also has an account at b, leaves the user listed at a no more; b keeps its account and answers silently', async () => {
    const { a, b } = realms.current;
    const path = join(tmp.path, 'two-issuers.json');
    const msal = await msalPublicClient(a!, path);
    // msal-node signs in interactively (auth code + PKCE) at a's path, as a desktop app would.
    expect((await msal.signIn('ada', SCOPES)).idTokenClaims).toMatchObject({ iss: a!.issuer, sub: 'ada' });
    const appA = tessera(a!, path);
    await appA.acquireTokenByUsernamePassword({ scopes: SCOPES, username: 'ada', password: 'pw' });
    const inB = await tessera(b!, path).acquireTokenByUsernamePassword({ scopes: SCOPES, username: 'ada', password: 'pw' });
    // msal-node's account (no issuer path) and Tessera's at each issuer.
    expect(Object.values((await readCache(path)).Account!).map((e) => `${e.authority_type} ${e.realm}`).sort()).toEqual(['Generic realms/a', 'Generic realms/b', 'MSSTS ']);

    const [listed] = await appA.getAccounts();
    expect(listed?.homeAccountId).toBe('ada');
    await appA.removeAccount(listed!);

    // Signed out at a: listed by neither this client nor another process's.
    expect(await appA.getAccounts()).toEqual([]);
    expect(await tessera(a!, path).getAccounts()).toEqual([]);
    // b's account stays, with its tokens.
    const appB = tessera(b!, path);
    const [atB] = await appB.getAccounts();
    expect(atB).toMatchObject({ homeAccountId: 'ada', tenantId: 'realms/b' });
    b!.clearRequests();
    expect(await appB.acquireTokenSilent({ account: atB!, scopes: SCOPES })).toMatchObject({ accessToken: inB.accessToken, fromCache: true });
    expect(b!.requests).toHaveLength(0);
  });
});

// msal-node's OIDC protocol mode files a generic issuer's account as Generic, under the realm of an ID-token
// claim (tid, tfp or acr: Keycloak's ID tokens carry acr "1"), not under the issuer's path: whose account it
// is, the ID token's issuer tells.
describe("msal-node's OIDC-mode account at a host's root issuer whose ID tokens carry acr", () => {
  const issuers = {} as { root: DevAuthority; b: DevAuthority };
  let front: Awaited<ReturnType<typeof startFrontDoor>>;
  beforeAll(async () => {
    front = await startFrontDoor();
    // /realms/b first: the root issuer's route ('') takes every other path.
    issuers.b = await startDevAuthority({ issuer: `${front.origin}/realms/b`, acr: '1' });
    front.route('/realms/b', issuers.b.port);
    issuers.root = await startDevAuthority({ issuer: front.origin, acr: '1' });
    front.route('', issuers.root.port);
    clearMetadataCache();
  });
  afterAll(async () => {
    await Promise.all(Object.values(issuers).map((idp) => idp.close()));
    await front.close();
  });
  const tmp = useTempDir();
  const tessera = (idp: DevAuthority, path: string) =>
    new PublicClientApplication({ clientId: idp.clients.native.clientId, authority: idp.issuer, cacheStore: new FileCacheStore({ path, allowUnencryptedStorage: true }) });
  /** The cache file's entries of `section`, as `<realm>` (and `authority_type` for accounts). */
  const filed = async (path: string, section: string) => Object.values((await readCache(path))[section] ?? {}).map((e) => [e.authority_type, e.realm ?? ''].filter((f) => f !== undefined).join(' ')).sort();

  it('the root issuer lists it, refreshes it and signs it out; /realms/b keeps its own account and never sees the root one', async () => {
    const path = join(tmp.path, 'oidc-mode.json');
    const msal = await msalPublicClient(issuers.root, path, 'OIDC');
    await msal.signIn('ada', SCOPES);
    // msal-node's OIDC mode: a Generic account and ID token under the acr claim's realm, not the issuer path ('').
    expect(await filed(path, 'Account')).toEqual(['Generic 1']);
    expect(await filed(path, 'IdToken')).toEqual(['1']);
    // The same user at /realms/b, through Tessera.
    const appB = tessera(issuers.b, path);
    const inB = await appB.acquireTokenByUsernamePassword({ scopes: SCOPES, username: 'ada', password: 'pw' });
    expect(await filed(path, 'Account')).toEqual(['Generic 1', 'Generic realms/b']);

    // The root issuer's client lists msal-node's account and finds it by id; /realms/b's does not.
    const root = tessera(issuers.root, path);
    const [listed, ...more] = await root.getAccounts();
    expect(more).toEqual([]);
    expect(listed).toMatchObject({ homeAccountId: 'ada', environment: new URL(front.origin).host, tenantId: '1', authorityType: 'Generic' });
    // The same user (sub) at /realms/b is another issuer's: not among the profiles the root shows, and the other way round.
    expect([...listed!.tenantProfiles!.keys()]).toEqual(['1']);
    expect([...(await root.getAccount('ada'))!.tenantProfiles!.keys()]).toEqual(['1']);
    const seenByB = await appB.getAccounts();
    expect(seenByB.map((a) => [...a.tenantProfiles!.keys()])).toEqual([['realms/b']]);

    // Silently, with msal-node's refresh token (its access token is filed under realm 1): the root issuer's token; then from the cache.
    issuers.root.clearRequests();
    const silent = await root.acquireTokenSilent({ account: listed!, scopes: SCOPES });
    expect(issuers.root.countRequests({ grantType: 'refresh_token' })).toBe(1);
    expect(silent.idTokenClaims).toMatchObject({ iss: front.origin, sub: 'ada', acr: '1' });
    expect(await root.acquireTokenSilent({ account: listed!, scopes: SCOPES })).toMatchObject({ accessToken: silent.accessToken, fromCache: true });
    expect(issuers.root.countRequests({ path: '/token' })).toBe(1);

    // Signed out at the root: msal-node's account and every root entry leave the file; /realms/b's stay.
    await root.removeAccount(listed!);
    expect(await root.getAccounts()).toEqual([]);
    expect(await filed(path, 'Account')).toEqual(['Generic realms/b']);
    expect(await filed(path, 'IdToken')).toEqual(['realms/b']);
    expect(await filed(path, 'AccessToken')).toEqual(['realms/b']);
    expect(await filed(path, 'RefreshToken')).toEqual(['realms/b']);
    // msal-node (a fresh instance: another process) lists only /realms/b's account.
    const msalAfter = await msalPublicClient(issuers.root, path, 'OIDC');
    expect((await msalAfter.app.getAllAccounts()).map((a) => a.idTokenClaims?.iss)).toEqual([issuers.b.issuer]);
    // /realms/b still answers from its cache.
    const [atB] = await appB.getAccounts();
    issuers.b.clearRequests();
    expect(await appB.acquireTokenSilent({ account: atB!, scopes: SCOPES })).toMatchObject({ accessToken: inB.accessToken, fromCache: true });
    expect(issuers.b.requests).toHaveLength(0);
  });
});
