// A refresh whose answer is still on its way when the app acts: the caller gives up (its
// AbortSignal fires), or the user signs out. With rotation and reuse detection (the dev
// authority's default) the provider has already spent the old refresh token, so the answer in
// flight holds the only valid one: dropping it left the spent token cached, and the next silent
// call got the grant revoked. And a sign-out must stay a sign-out: the answer arriving after it
// must not put the account and its tokens back. A loopback proxy in front of the real dev
// authority holds the token endpoint's answer until the test has acted (a slow network).
import type { AddressInfo } from 'node:net';
import { startDevAuthority, type DevAuthority } from '@tessera/dev-authority';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AbortError, PublicClientApplication, clearMetadataCache } from '../src/index.js';
import { holdingProxy } from './helpers.js';

describe('a refresh whose answer is on its way when the caller aborts or the user signs out', () => {
  let idp: DevAuthority;
  const proxy = holdingProxy(() => idp.port);
  beforeAll(async () => {
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    idp = await startDevAuthority({ issuer: `http://127.0.0.1:${(proxy.server.address() as AddressInfo).port}` });
    clearMetadataCache();
  });
  afterAll(async () => {
    await idp.close();
    proxy.server.closeAllConnections();
    proxy.server.close();
  });

  it('keeps the rotated refresh token: the next silent calls refresh, and the grant is not revoked', async () => {
    const app = new PublicClientApplication({ clientId: idp.clients.native.clientId, authority: idp.issuer });
    const { account } = await app.acquireTokenByUsernamePassword({ scopes: ['api.read'], username: 'ada', password: 'pw' });
    idp.clearRequests();

    proxy.state.hold = true;
    const caller = new AbortController();
    const given = app.acquireTokenSilent({ account: account!, scopes: ['api.read'], forceRefresh: true, signal: caller.signal });
    await proxy.state.answerHeld();
    caller.abort();
    await expect(given).rejects.toBeInstanceOf(AbortError);
    proxy.state.hold = false;
    proxy.state.release();

    // The refresh the provider made is the one the next calls build on.
    const next = await app.acquireTokenSilent({ account: account!, scopes: ['api.read'], forceRefresh: true });
    const after = await app.acquireTokenSilent({ account: account!, scopes: ['api.read'], forceRefresh: true });
    expect([next.fromCache, after.fromCache]).toEqual([false, false]);
    expect(idp.requests.filter((r) => r.path === '/token').map((r) => r.error)).not.toContain('invalid_grant');
  });

  it('a sign-out while the refresh is at the provider waits for it, and its answer does not sign the user back in', async () => {
    const app = new PublicClientApplication({ clientId: idp.clients.native.clientId, authority: idp.issuer });
    const { account } = await app.acquireTokenByUsernamePassword({ scopes: ['api.read'], username: 'mae', password: 'pw' });

    proxy.state.hold = true;
    const refreshing = app.acquireTokenSilent({ account: account!, scopes: ['api.read'], forceRefresh: true });
    await proxy.state.answerHeld();
    const signedOut = app.removeAccount(account!);
    proxy.state.hold = false;
    proxy.state.release();
    await Promise.allSettled([refreshing, signedOut]);

    expect(await app.getAccounts()).toEqual([]);
    for (const section of ['Account', 'AccessToken', 'RefreshToken', 'IdToken'] as const) expect([...app.tokenCache.entries(section)]).toEqual([]);
    await expect(app.acquireTokenSilent({ account: account!, scopes: ['api.read'] })).rejects.toMatchObject({ code: 'no_tokens_found' });
  });

  it('acquireTokenByRefreshToken: the aborted caller stops waiting, and the answer is cached for the next call', async () => {
    const signedIn = new PublicClientApplication({ clientId: idp.clients.native.clientId, authority: idp.issuer });
    const { account } = await signedIn.acquireTokenByUsernamePassword({ scopes: ['api.read'], username: 'lin', password: 'pw' });
    const [rt] = [...signedIn.tokenCache.entries('RefreshToken')].map(([, entity]) => entity);
    // A migration: another client redeems the refresh token it was handed.
    const app = new PublicClientApplication({ clientId: idp.clients.native.clientId, authority: idp.issuer });
    idp.clearRequests();

    proxy.state.hold = true;
    const caller = new AbortController();
    const given = app.acquireTokenByRefreshToken(rt!.secret, { scopes: ['api.read'], signal: caller.signal });
    await proxy.state.answerHeld();
    caller.abort();
    await expect(given).rejects.toBeInstanceOf(AbortError);
    proxy.state.hold = false;
    proxy.state.release();

    // The redemption goes on after the caller left: its answer (the rotated refresh token) is cached.
    await vi.waitFor(() => expect([...app.tokenCache.entries('RefreshToken')]).toHaveLength(1));
    const next = await app.acquireTokenSilent({ account: account!, scopes: ['api.read'], forceRefresh: true });
    expect(next.fromCache).toBe(false);
    expect(idp.requests.filter((r) => r.path === '/token').map((r) => [r.status, r.error])).toEqual([
      [200, undefined],
      [200, undefined],
    ]);
  });
});
