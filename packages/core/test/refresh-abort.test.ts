// A caller that gives up (its AbortSignal fires) while its refresh is at the provider: with
// rotation and reuse detection (the dev authority's default) the provider has already spent the
// old refresh token, so the answer in flight holds the only valid one. Dropping it left the spent
// token in the cache; the next silent call redeemed it and the provider revoked the whole grant.
// A loopback proxy in front of the real dev authority holds the token endpoint's answer until the
// test has aborted the call (a slow network), then delivers it.
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startDevAuthority, type DevAuthority } from '@tessera/dev-authority';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AbortError, PublicClientApplication, clearMetadataCache } from '../src/index.js';

/** Forwards to the authority; while `hold` is set, a /token answer waits until `release()`. */
function holdingProxy(port: () => number) {
  const held: Array<() => void> = [];
  let arrived: (() => void) | undefined;
  const state = {
    hold: false,
    /** Resolves once a held answer has come back from the authority. */
    answerHeld: () => new Promise<void>((resolve) => (held.length ? resolve() : (arrived = resolve))),
    release: () => held.splice(0).forEach((send) => send()),
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const up = request({ host: '127.0.0.1', port: port(), method: req.method, path: req.url, headers: req.headers }, (answer) => {
      const body: Buffer[] = [];
      answer.on('data', (c: Buffer) => body.push(c));
      answer.on('end', () => {
        const send = () => void (res.destroyed || res.writeHead(answer.statusCode!, answer.headers).end(Buffer.concat(body)));
        if (!(state.hold && req.url?.endsWith('/token'))) return send();
        held.push(send);
        arrived?.();
      });
    });
    req.pipe(up);
  });
  return { server, state };
}

describe('a refresh whose caller aborts after the provider answered', () => {
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
