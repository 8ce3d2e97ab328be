// The cache-hit path of acquireTokenSilent (answered before a call context is built, with
// remembered lookup scopes and cheap correlation ids) against the real dev authority: a hit sends
// nothing, every call has its own v4 id, the id of a call that goes to the server is the one the
// server saw, and scopes are read from the options on every call (never from a stale memo).
import { completeAuthorization } from '@tessera/dev-authority';
import { describe, expect, it } from 'vitest';
import { type AccountInfo, MemoryCacheStore, PublicClientApplication, clearMetadataCache } from '../src/index.js';
import { LOOPBACK_REDIRECT, useDevAuthority } from './helpers.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** A store with a refresh lock (as the file and Redis stores have) that counts loads and locks. */
class CountingStore extends MemoryCacheStore {
  loads = 0;
  locks = 0;
  override async load(key: string): Promise<string | undefined> {
    this.loads++;
    return super.load(key);
  }
  async lock<T>(_name: string, work: () => Promise<T>): Promise<T> {
    this.locks++;
    return work();
  }
}

describe('acquireTokenSilent cache hits against the dev authority', () => {
  const idp = useDevAuthority();

  /** Signs ada in for api.read (and only that: the refresh token cannot get api.write). */
  async function signedIn(app: PublicClientApplication): Promise<AccountInfo> {
    const flow = await app.initiateAuthCodeFlow({ scopes: ['api.read'], redirectUri: LOOPBACK_REDIRECT });
    const { redirectUrl } = await completeAuthorization(flow.authUri, { username: 'ada' });
    return (await app.acquireTokenByAuthCodeFlow(flow, redirectUrl)).account!;
  }

  it('hits send nothing and each has its own v4 correlation id; a refresh carries the id the server saw', async () => {
    clearMetadataCache();
    const app = new PublicClientApplication({ clientId: idp.current.clients.native.clientId, authority: idp.current.issuer });
    const account = await signedIn(app);
    idp.current.clearRequests();
    const ids = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const hit = await app.acquireTokenSilent({ scopes: ['api.read'], account });
      expect(hit.fromCache).toBe(true);
      expect(hit.correlationId).toMatch(UUID);
      ids.add(hit.correlationId!);
    }
    expect(ids.size).toBe(2000);
    expect(idp.current.requests).toEqual([]);

    const refreshed = await app.acquireTokenSilent({ scopes: 'api.read', account, forceRefresh: true });
    expect(refreshed.fromCache).toBe(false);
    expect(refreshed.correlationId).toMatch(UUID);
    expect(ids.has(refreshed.correlationId!)).toBe(false);
    expect(idp.current.requests.map((r) => [r.grantType, r.clientRequestId])).toEqual([['refresh_token', refreshed.correlationId]]);
  });

  it('follows the scopes the options hold on each call, also when the caller reuses and changes one array', async () => {
    clearMetadataCache();
    const app = new PublicClientApplication({ clientId: idp.current.clients.native.clientId, authority: idp.current.issuer });
    const account = await signedIn(app);
    const scopes = ['api.read'];
    const first = await app.acquireTokenSilent({ scopes, account });
    expect(first.fromCache).toBe(true);
    // The same scopes written differently (case, a string, blanks, OIDC scopes) are the same request: hits.
    idp.current.clearRequests();
    for (const again of [' API.Read ', ['api.READ'], 'api.read openid']) {
      const hit = await app.acquireTokenSilent({ scopes: again, account });
      expect(hit.fromCache).toBe(true);
      expect(hit.accessToken).toBe(first.accessToken);
    }
    expect(idp.current.requests).toEqual([]);
    // The same array, now naming a scope no cached token has: not a hit; the refresh token is
    // asked for it (and the provider refuses: ada consented to api.read only).
    scopes[0] = 'api.write';
    await expect(app.acquireTokenSilent({ scopes, account })).rejects.toMatchObject({ name: 'ServerError', error: 'invalid_scope' });
    expect(idp.current.requests.filter((r) => r.grantType === 'refresh_token').map((r) => r.error)).toEqual(['invalid_scope']);
  });

  it('with a store that can lock: a hit re-reads the store every time and never takes the lock', async () => {
    clearMetadataCache();
    const store = new CountingStore();
    const app = new PublicClientApplication({ clientId: idp.current.clients.native.clientId, authority: idp.current.issuer, cacheStore: store });
    const account = await signedIn(app);
    const before = { loads: store.loads, locks: store.locks };
    idp.current.clearRequests();
    for (let i = 0; i < 5; i++) expect((await app.acquireTokenSilent({ scopes: ['api.read'], account })).fromCache).toBe(true);
    expect(store.loads - before.loads).toBe(5);
    expect(store.locks - before.locks).toBe(0);
    // Another instance's sign-out reaches this one through the store on the next call.
    const other = new PublicClientApplication({ clientId: idp.current.clients.native.clientId, authority: idp.current.issuer, cacheStore: store });
    await other.removeAccount(account);
    await expect(app.acquireTokenSilent({ scopes: ['api.read'], account })).rejects.toMatchObject({ name: 'InteractionRequiredError', correlationId: expect.stringMatching(UUID) });
    expect(idp.current.requests).toEqual([]);
  });
});
