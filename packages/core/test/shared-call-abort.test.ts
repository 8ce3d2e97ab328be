// Concurrent identical calls share one request (single flight); each caller's AbortSignal ends
// only its own wait. The shared request stops only when every caller has given up. Against the
// dev authority, counting the token requests it saw.
import { completeAuthorization } from '@tessera/dev-authority';
import { describe, expect, it } from 'vitest';
import { AbortError, type AccountInfo, ConfidentialClientApplication, type HttpClient, PublicClientApplication, clearMetadataCache } from '../src/index.js';
import { LOOPBACK_REDIRECT, useDevAuthority } from './helpers.js';
import { gatedTransport } from './support/gated-transport.js';

const APP_ONLY = ['urn:tessera:api/.default'];

describe('a caller that aborts a shared call', () => {
  const idp = useDevAuthority();
  const confidential = (httpClient?: HttpClient) =>
    new ConfidentialClientApplication({ clientId: idp.current.clients.confidential.clientId, clientCredential: idp.current.clients.confidential.clientSecret, authority: idp.current.issuer, httpClient });
  const cc = { path: '/token', grantType: 'client_credentials' };

  it('client credentials: the first caller aborts, the second still gets the one token; an aborting joiner stops waiting at once', async () => {
    clearMetadataCache();
    const gate = gatedTransport();
    const app = confidential(gate.httpClient);
    idp.current.clearRequests();
    const first = new AbortController();
    const a = app.acquireTokenForClient({ scopes: APP_ONLY, signal: first.signal });
    const b = app.acquireTokenForClient({ scopes: APP_ONLY });
    const joiner = new AbortController();
    const c = app.acquireTokenForClient({ scopes: APP_ONLY, signal: joiner.signal });
    // All three have joined the one request, which is in flight: two callers give up.
    await gate.waiting;
    first.abort();
    joiner.abort();
    await expect(a).rejects.toBeInstanceOf(AbortError);
    gate.release();
    await expect(c).rejects.toBeInstanceOf(AbortError);
    const token = await b;
    expect(token.fromCache).toBe(false);
    expect(idp.current.countRequests(cc)).toBe(1);
    // The token was cached: the next call is a hit.
    expect((await app.acquireTokenForClient({ scopes: APP_ONLY })).accessToken).toBe(token.accessToken);
  });

  it('client credentials: when every caller aborts, the shared request stops and nothing is cached; the next call starts afresh', async () => {
    clearMetadataCache();
    const gate = gatedTransport();
    const app = confidential(gate.httpClient);
    idp.current.clearRequests();
    const one = new AbortController();
    const two = new AbortController();
    const calls = [app.acquireTokenForClient({ scopes: APP_ONLY, signal: one.signal }), app.acquireTokenForClient({ scopes: APP_ONLY, signal: two.signal })];
    await gate.waiting;
    one.abort();
    two.abort();
    for (const call of calls) await expect(call).rejects.toBeInstanceOf(AbortError);
    // The held request goes on with an aborted signal: it is never sent.
    gate.release();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(idp.current.countRequests(cc)).toBe(0);
    expect([...app.tokenCache.entries('AccessToken')]).toEqual([]);
    idp.current.clearRequests();
    expect((await app.acquireTokenForClient({ scopes: APP_ONLY })).fromCache).toBe(false);
    expect(idp.current.countRequests(cc)).toBe(1);
  });

  it('silent refresh: the first caller aborts, the second gets the refreshed token from the one refresh', async () => {
    clearMetadataCache();
    const app = new PublicClientApplication({ clientId: idp.current.clients.native.clientId, authority: idp.current.issuer });
    const flow = await app.initiateAuthCodeFlow({ scopes: ['api.read'], redirectUri: LOOPBACK_REDIRECT });
    const { redirectUrl } = await completeAuthorization(flow.authUri, { username: 'ada' });
    const account: AccountInfo = (await app.acquireTokenByAuthCodeFlow(flow, redirectUrl)).account!;
    idp.current.clearRequests();
    const first = new AbortController();
    const a = app.acquireTokenSilent({ scopes: ['api.read'], account, forceRefresh: true, signal: first.signal });
    const b = app.acquireTokenSilent({ scopes: ['api.read'], account, forceRefresh: true });
    first.abort();
    await expect(a).rejects.toBeInstanceOf(AbortError);
    expect((await b).fromCache).toBe(false);
    expect(idp.current.countRequests({ path: '/token', grantType: 'refresh_token' })).toBe(1);
  });
});
