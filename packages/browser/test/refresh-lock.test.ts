// Core's refreshLock hook, which BrowserClient fills with the Web Locks API: several clients
// (tabs) sharing one cache store whose token expired make exactly one refresh request.
import { completeAuthorization, startDevAuthority, type DevAuthority } from '@tessera/dev-authority';
import { ClientApplication, InteractionRequiredError, MemoryCacheStore, clearMetadataCache, type RefreshLock } from '@tessera/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const SCOPES = ['api.read'];
const REDIRECT = 'http://127.0.0.1:53682/';

/** An in-process stand-in for navigator.locks: one holder at a time, FIFO. */
function mutex(): RefreshLock {
  let tail: Promise<unknown> = Promise.resolve();
  return (_account, work) => {
    const run = tail.then(work, work);
    tail = run.catch(() => undefined);
    return run;
  };
}

describe('refreshLock (cross-tab refresh)', () => {
  let idp: DevAuthority;
  beforeAll(async () => {
    idp = await startDevAuthority();
    clearMetadataCache();
  });
  afterAll(() => idp?.close());

  async function tabs(lock: RefreshLock | undefined) {
    // Each tab has a store object of its own over the one storage (as IndexedDbCacheStore instances
    // over one database): core's in-process turn-taking, per store, does not join them.
    const storage = new MemoryCacheStore().data;
    const tabStore = () => Object.assign(new MemoryCacheStore(), { data: storage });
    let skew = 0;
    const make = () =>
      new ClientApplication({
        clientId: idp.clients.native.clientId,
        authority: idp.issuer,
        cacheStore: tabStore(),
        refreshLock: lock,
        now: () => Math.floor(Date.now() / 1000) + skew,
      });
    const a = make();
    const b = make();
    const flow = await a.initiateAuthCodeFlow({ scopes: SCOPES, redirectUri: REDIRECT });
    const { redirectUrl } = await completeAuthorization(flow.authUri, { username: 'grace' });
    const signedIn = await a.acquireTokenByAuthCodeFlow(flow, redirectUrl);
    const [account] = await b.getAccounts();
    // Both tabs now see a token within the expiry margin.
    skew = 3500;
    return { a, b, account: account!, signedIn };
  }

  it('makes one refresh request for two clients that both find an expired token', async () => {
    const { a, b, account, signedIn } = await tabs(mutex());
    idp.clearRequests();
    const [ra, rb] = await Promise.all([a.acquireTokenSilent({ scopes: SCOPES, account }), b.acquireTokenSilent({ scopes: SCOPES, account })]);
    expect(idp.countRequests({ grantType: 'refresh_token' })).toBe(1);
    expect(ra.accessToken).toBe(rb.accessToken);
    expect(ra.accessToken).not.toBe(signedIn.accessToken);
    expect([ra.fromCache, rb.fromCache].sort()).toEqual([false, true]);
  });

  it('without the lock both refresh, and the reused rotating refresh token is refused: the sign-in is revoked', async () => {
    const { a, b, account } = await tabs(undefined);
    idp.clearRequests();
    // The loser's call may still succeed with the winner's access token, if the winner's write came
    // before its re-read of the store (core's retry after invalid_grant); the grant is gone either way.
    await Promise.allSettled([a.acquireTokenSilent({ scopes: SCOPES, account }), b.acquireTokenSilent({ scopes: SCOPES, account })]);
    const refreshes = () => idp.requests.filter((r) => r.grantType === 'refresh_token').map((r) => r.error ?? r.status);
    expect(refreshes().sort()).toEqual([200, 'invalid_grant']);
    // Reuse detection revoked the grant: the winner's refresh token is refused too.
    idp.clearRequests();
    await expect(a.acquireTokenSilent({ scopes: SCOPES, account, forceRefresh: true })).rejects.toBeInstanceOf(InteractionRequiredError);
    expect(refreshes()).toEqual(['invalid_grant']);
  });
});
