// Account swap on refresh: the answer to a refresh (silent, by token, on-behalf-of) must be for
// the user the refresh token belongs to, and every answer must name one user consistently;
// otherwise a typed error, and the cache keeps the old account and tokens.
// Entra shapes (client_info, oid/tid) and hostile OIDC answers come from the stub; the OIDC swap
// with real tokens runs against the dev authority.
import { completeAuthorization } from '@tessera/dev-authority';
import { useDevAuthority } from '../../core/test/helpers.js';
import { describe, expect, it } from 'vitest';
import { MemoryCacheStore, PublicClientApplication, ValidationError } from '@tessera/core';
import type { HostileServer } from './support/hostile-server.js';
import { REDIRECT_URI, SCOPES, confidentialClient, publicClient, redirectFor, refusal, useHostileServers } from './support/harness.js';

const clientInfo = (uid: string, utid: string) => Buffer.from(JSON.stringify({ uid, utid })).toString('base64url');
const HOME_TENANT = '5a1b2c3d-0000-4000-8000-00000000aaaa';
const ALICE = 'a11ce000-0000-4000-8000-000000000001';
const MALLORY = 'ba11e000-0000-4000-8000-000000000002';

describe('refresh answers for another user (Entra-shaped stub)', () => {
  const start = useHostileServers();

  /** Alice signed in (client_info and ID token agree); then the token endpoint answers with `next`. */
  async function aliceSignedIn(server: HostileServer) {
    server.discovery.authorization_response_iss_parameter_supported = false;
    const h = publicClient(server);
    const flow = await h.app.initiateAuthCodeFlow({ scopes: SCOPES, redirectUri: REDIRECT_URI });
    server.on('token', async () => ({
      body: server.tokenResponse({ id_token: await server.idToken({ nonce: flow.nonce, oid: ALICE, tid: HOME_TENANT }), client_info: clientInfo(ALICE, HOME_TENANT) }),
    }));
    const { account } = await h.app.acquireTokenByAuthCodeFlow(flow, redirectFor(flow, server, { iss: undefined }));
    expect(account!.homeAccountId).toBe(`${ALICE}.${HOME_TENANT}`);
    return { h, account: account!, snapshot: () => [h.app.tokenCache.serialize(), [...h.store.data.values()]] };
  }

  const answers: [string, (server: HostileServer) => Promise<Record<string, unknown>>][] = [
    ['no client_info, an ID token with another oid', async (s) => ({ id_token: await s.idToken({ oid: MALLORY, tid: HOME_TENANT, sub: 'mallory-sub' }) })],
    ['client_info for the account, an ID token for another user', async (s) => ({ id_token: await s.idToken({ oid: MALLORY, tid: HOME_TENANT }), client_info: clientInfo(ALICE, HOME_TENANT) })],
    ['no client_info, an ID token without oid', async (s) => ({ id_token: await s.idToken({ tid: HOME_TENANT }, { omit: ['oid'] }) })],
    ['client_info for another user, no ID token', async () => ({ client_info: clientInfo(MALLORY, HOME_TENANT) })],
    ['an ID token without sub', async (s) => ({ id_token: await s.idToken({ oid: ALICE, tid: HOME_TENANT }, { omit: ['sub'] }), client_info: clientInfo(ALICE, HOME_TENANT) })],
  ];

  for (const [name, answer] of answers) {
    it(`silent refresh refuses ${name}; the cache keeps Alice`, async () => {
      const server = await start({ entra: true });
      const { h, account, snapshot } = await aliceSignedIn(server);
      const before = snapshot();
      server.on('token', async () => ({ body: server.tokenResponse(await answer(server)) }));
      await refusal(h.app.acquireTokenSilent({ scopes: SCOPES, account, forceRefresh: true }), ValidationError, 'invalid_sub');
      expect(snapshot()).toEqual(before);
    });
  }

  it('refresh by token refuses an answer for another user than the one the token is cached for', async () => {
    const server = await start({ entra: true });
    const { h, snapshot } = await aliceSignedIn(server);
    const [rt] = [...h.app.tokenCache.entries('RefreshToken')].map(([, e]) => e.secret);
    const before = snapshot();
    server.on('token', async () => ({ body: server.tokenResponse({ id_token: await server.idToken({ oid: MALLORY, tid: HOME_TENANT }), client_info: clientInfo(MALLORY, HOME_TENANT) }) }));
    await refusal(h.app.acquireTokenByRefreshToken(rt!, { scopes: SCOPES }), ValidationError, 'invalid_sub');
    expect(snapshot()).toEqual(before);
  });

  it('a sign-in whose client_info and ID token name different users is refused', async () => {
    const server = await start({ entra: true });
    server.discovery.authorization_response_iss_parameter_supported = false;
    const h = publicClient(server);
    const flow = await h.app.initiateAuthCodeFlow({ scopes: SCOPES, redirectUri: REDIRECT_URI });
    server.on('token', async () => ({ body: server.tokenResponse({ id_token: await server.idToken({ nonce: flow.nonce, oid: MALLORY, tid: HOME_TENANT }), client_info: clientInfo(ALICE, HOME_TENANT) }) }));
    await refusal(h.app.acquireTokenByAuthCodeFlow(flow, redirectFor(flow, server, { iss: undefined })), ValidationError, 'invalid_sub');
    expect(h.app.tokenCache.size).toBe(0);
  });

  it("on-behalf-of refresh refuses an answer for another user than the assertion's", async () => {
    const server = await start({ entra: true });
    const h = confidentialClient(server);
    // The first exchange: Alice's tokens, the access token already due (so the next call refreshes).
    server.on('token', async () => ({ body: server.tokenResponse({ expires_in: 3, id_token: await server.idToken({ oid: ALICE, tid: HOME_TENANT }), client_info: clientInfo(ALICE, HOME_TENANT) }) }));
    const assertion = 'incoming-assertion-for-alice';
    await h.app.acquireTokenOnBehalfOf({ scopes: SCOPES, userAssertion: assertion });
    const before = [h.app.tokenCache.serialize(), [...h.store.data.values()]];
    server.on('token', async () => ({ body: server.tokenResponse({ id_token: await server.idToken({ oid: MALLORY, tid: HOME_TENANT }), client_info: clientInfo(MALLORY, HOME_TENANT) }) }));
    await refusal(h.app.acquireTokenOnBehalfOf({ scopes: SCOPES, userAssertion: assertion }), ValidationError, 'invalid_sub');
    expect(server.seen('token').at(-1)!.params.get('grant_type')).toBe('refresh_token');
    expect([h.app.tokenCache.serialize(), [...h.store.data.values()]]).toEqual(before);
  });

  it("accepts a refresh without client_info whose ID token is the account's (oid/tid), and keeps the account", async () => {
    const server = await start({ entra: true });
    const { h, account } = await aliceSignedIn(server);
    server.on('token', async () => ({ body: server.tokenResponse({ id_token: await server.idToken({ oid: ALICE, tid: HOME_TENANT }) }) }));
    const result = await h.app.acquireTokenSilent({ scopes: SCOPES, account, forceRefresh: true });
    expect(result.account!.homeAccountId).toBe(account.homeAccountId);
    expect((await h.app.getAccounts()).map((a) => a.homeAccountId)).toEqual([account.homeAccountId]);
  });
});

describe('refresh answers for another user (OpenID Connect)', () => {
  const start = useHostileServers();

  it('refuses an ID token without a string sub, at sign-in and on refresh', async () => {
    const server = await start();
    const h = publicClient(server);
    const flow = await h.app.initiateAuthCodeFlow({ scopes: SCOPES, redirectUri: REDIRECT_URI });
    server.on('token', async () => ({ body: server.tokenResponse({ id_token: await server.idToken({ nonce: flow.nonce }, { omit: ['sub'] }) }) }));
    await refusal(h.app.acquireTokenByAuthCodeFlow(flow, redirectFor(flow, server)), ValidationError, 'invalid_sub');
    expect(h.app.tokenCache.size).toBe(0);

    const again = await h.app.initiateAuthCodeFlow({ scopes: SCOPES, redirectUri: REDIRECT_URI });
    server.on('token', async () => ({ body: server.tokenResponse({ id_token: await server.idToken({ nonce: again.nonce }) }) }));
    const { account } = await h.app.acquireTokenByAuthCodeFlow(again, redirectFor(again, server));
    const before = h.app.tokenCache.serialize();
    for (const sub of [undefined, 42, '']) {
      server.on('token', async () => ({ body: server.tokenResponse({ id_token: await server.idToken(sub === undefined ? {} : { sub: sub as string }, { omit: sub === undefined ? ['sub'] : [] }) }) }));
      await refusal(h.app.acquireTokenSilent({ scopes: SCOPES, account: account!, forceRefresh: true }), ValidationError, 'invalid_sub');
      expect(h.app.tokenCache.serialize()).toBe(before);
    }
  });

  it('compares subjects exactly: "User-1" is not "user-1"', async () => {
    const server = await start();
    const h = publicClient(server);
    const flow = await h.app.initiateAuthCodeFlow({ scopes: SCOPES, redirectUri: REDIRECT_URI });
    server.on('token', async () => ({ body: server.tokenResponse({ id_token: await server.idToken({ nonce: flow.nonce }) }) }));
    const { account } = await h.app.acquireTokenByAuthCodeFlow(flow, redirectFor(flow, server));
    server.on('token', async () => ({ body: server.tokenResponse({ id_token: await server.idToken({ sub: 'USER-1' }) }) }));
    await refusal(h.app.acquireTokenSilent({ scopes: SCOPES, account: account!, forceRefresh: true }), ValidationError, 'invalid_sub');
  });
});

describe('refresh answers for another user (dev authority)', () => {
  const dev = useDevAuthority();

  it("refresh by token of a token cached as Alice's but issued to Bob is refused; Alice's account and tokens stay", async () => {
    const store = new MemoryCacheStore();
    const app = new PublicClientApplication({ clientId: dev.current.clients.native.clientId, authority: dev.current.issuer, cacheStore: store });
    const signIn = async (username: string) => {
      const flow = await app.initiateAuthCodeFlow({ scopes: SCOPES, redirectUri: REDIRECT_URI });
      const { redirectUrl } = await completeAuthorization(flow.authUri, { username });
      return (await app.acquireTokenByAuthCodeFlow(flow, redirectUrl)).account!;
    };
    const alice = await signIn('alice-swap');
    const bob = await signIn('bob-swap');
    // A cache that files Bob's refresh token under Alice (a confused or tampered cache).
    const rtOf = (home: string) => [...app.tokenCache.entries('RefreshToken')].find(([, e]) => e.home_account_id === home)!;
    const [aliceKey, aliceRt] = rtOf(alice.homeAccountId);
    const bobSecret = rtOf(bob.homeAccountId)[1].secret;
    app.tokenCache.upsert('RefreshToken', { ...aliceRt, secret: bobSecret }, aliceKey);
    app.tokenCache.remove('RefreshToken', rtOf(bob.homeAccountId)[0]);
    const before = app.tokenCache.serialize();
    dev.current.clearRequests();
    await refusal(app.acquireTokenByRefreshToken(bobSecret, { scopes: SCOPES }), ValidationError, 'invalid_sub');
    // The real server did answer (with Bob's tokens); nothing of it was cached, Alice is served as before.
    expect(dev.current.countRequests({ grantType: 'refresh_token' })).toBe(1);
    expect(app.tokenCache.serialize()).toBe(before);
    const cached = await app.acquireTokenSilent({ scopes: SCOPES, account: alice });
    expect(cached).toMatchObject({ fromCache: true, account: { homeAccountId: alice.homeAccountId } });
  });
});
