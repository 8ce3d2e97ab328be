// Provider features combined, against the real dev authority (each is tested alone elsewhere):
// pushed authorization requests (RFC 9126) with DPoP-bound clients whose proofs need nonces,
// PAR with offline_access, DPoP with rotating refresh tokens under the refresh lock, and an
// authorization server and an API on one origin, each with its own DPoP nonces.
import { type DevAuthority, approveDeviceCode, completeAuthorization, startDevAuthority } from '@tessera/dev-authority';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfidentialClientApplication, PublicClientApplication, TokenCache, clearMetadataCache, generateDpopKeyPair } from '../src/index.js';
import { LOOPBACK_REDIRECT, startFrontDoor, useDevAuthority } from './helpers.js';
import { startResourceServer } from './support/dpop-resource-server.js';

const API = ['api.read'];
const outcomes = (requests: Array<{ status?: number; error?: string }>) => requests.map((r) => r.error ?? r.status);

describe('PAR required + DPoP-bound clients + nonces required', () => {
  const idp = useDevAuthority({ requirePushedAuthorizationRequests: true, dpop: { requireNonce: true, boundClients: ['tessera-native', 'tessera-confidential'], exposeErrorDetail: true } });

  it('public client: the pushed request keeps offline_access (a refresh token) and binds the code to the key; the refresh is proven', async () => {
    const app = new PublicClientApplication({ clientId: idp.current.clients.native.clientId, authority: idp.current.issuer, dpop: true });
    idp.current.clearRequests();
    const flow = await app.initiateAuthCodeFlow({ scopes: API, redirectUri: LOOPBACK_REDIRECT });
    expect([...new URL(flow.authUri).searchParams.keys()].sort()).toEqual(['client_id', 'request_uri']);
    expect(flow.pushedParameters?.dpop_jkt).toBeTruthy();
    const { redirectUrl } = await completeAuthorization(flow.authUri, { username: 'pat' });
    const signedIn = await app.acquireTokenByAuthCodeFlow(flow, redirectUrl);
    expect(signedIn.tokenType).toBe('DPoP');
    expect(signedIn.scopes).toContain('offline_access');
    expect([...app.tokenCache.entries('RefreshToken')]).toHaveLength(1);

    const refreshed = await app.acquireTokenSilent({ scopes: API, account: signedIn.account!, forceRefresh: true });
    expect(refreshed.tokenType).toBe('DPoP');
    // The nonce of the code redemption is remembered: the refresh needs no second try.
    expect(outcomes(idp.current.requests.filter((r) => r.path === '/token'))).toEqual(['use_dpop_nonce', 200, 200]);
  });

  it('confidential client: the PAR request is client-authenticated; the token is DPoP-bound', async () => {
    const c = idp.current.clients.confidential;
    const app = new ConfidentialClientApplication({ clientId: c.clientId, clientCredential: c.clientSecret, authority: idp.current.issuer, dpop: true });
    idp.current.clearRequests();
    const flow = await app.initiateAuthCodeFlow({ scopes: API, redirectUri: c.redirectUris[0]! });
    const { redirectUrl } = await completeAuthorization(flow.authUri, { username: 'pat' });
    expect((await app.acquireTokenByAuthCodeFlow(flow, redirectUrl)).tokenType).toBe('DPoP');
    expect(idp.current.requests.find((r) => r.path === '/request')).toMatchObject({ status: 201, authMethod: 'client_secret_basic', clientId: c.clientId });
  });

  it('private_key_jwt and client_secret_jwt: a fresh assertion at the PAR endpoint and another at the token endpoint (jti used once); DPoP refresh', async () => {
    const { ecKeyJwt, secretJwt, confidential } = idp.current.clients;
    for (const [clientId, clientCredential, authMethod] of [
      [ecKeyJwt.clientId, { privateKey: ecKeyJwt.privateJwk as JsonWebKey }, 'private_key_jwt'],
      [secretJwt.clientId, { clientSecret: secretJwt.clientSecret, clientAuthMethod: 'client_secret_jwt' as const }, 'client_secret_jwt'],
    ] as const) {
      const { clientAuthMethod, ...credential } = { clientAuthMethod: undefined, ...clientCredential };
      const app = new ConfidentialClientApplication({ clientId, clientCredential: credential, clientAuthMethod, authority: idp.current.issuer, dpop: true });
      idp.current.clearRequests();
      const flow = await app.initiateAuthCodeFlow({ scopes: API, redirectUri: confidential.redirectUris[0]! });
      const { redirectUrl } = await completeAuthorization(flow.authUri, { username: 'keyed' });
      const signedIn = await app.acquireTokenByAuthCodeFlow(flow, redirectUrl);
      expect(signedIn.tokenType).toBe('DPoP');
      const refreshed = await app.acquireTokenSilent({ scopes: API, account: signedIn.account!, forceRefresh: true });
      expect(refreshed.tokenType).toBe('DPoP');
      const backChannel = idp.current.requests.filter((r) => r.path === '/request' || r.path === '/token');
      expect(backChannel.map((r) => [r.path, r.grantType ?? null, r.authMethod, r.error ?? r.status])).toEqual([
        ['/request', null, authMethod, 201],
        ['/token', 'authorization_code', authMethod, 'use_dpop_nonce'],
        ['/token', 'authorization_code', authMethod, 200],
        ['/token', 'refresh_token', authMethod, 200],
      ]);
    }
  });
});

describe('DPoP nonces + rotating refresh tokens: clients sharing one cache refresh an expired token together', () => {
  const idp = useDevAuthority({ tokenEndpointDelayMs: 200, idTokenTtl: 86_400, dpop: { requireNonce: true, boundClients: ['tessera-native'], exposeErrorDetail: true } });

  it('one refresh: the holder retries once for the nonce with the same refresh token (not reuse); the waiters take its tokens', async () => {
    const key = await generateDpopKeyPair();
    const cache = new TokenCache();
    // Two hours later: the access token (1 h) has expired, the ID token (1 day) not; each client
    // has its own, empty, nonce memory.
    const later = () => Math.floor(Date.now() / 1000) + 7200;
    const client = (now?: () => number) => new PublicClientApplication({ clientId: idp.current.clients.native.clientId, authority: idp.current.issuer, tokenCache: cache, dpop: { key }, now });
    const first = client();
    const flow = await first.initiateAuthCodeFlow({ scopes: API, redirectUri: LOOPBACK_REDIRECT });
    const { redirectUrl } = await completeAuthorization(flow.authUri, { username: 'rot' });
    const { account } = await first.acquireTokenByAuthCodeFlow(flow, redirectUrl);
    idp.current.clearRequests();

    const results = await Promise.all([client(later), client(later), client(later)].map((app) => app.acquireTokenSilent({ scopes: API, account: account! })));
    expect(outcomes(idp.current.requests.filter((r) => r.grantType === 'refresh_token'))).toEqual(['use_dpop_nonce', 200]);
    expect(results.map((r) => r.fromCache).sort()).toEqual([false, true, true]);
    expect(new Set(results.map((r) => r.accessToken)).size).toBe(1);
    // The grant is alive (no reuse was detected): the rotated refresh token refreshes again.
    const again = await client(later).acquireTokenSilent({ scopes: API, account: account!, forceRefresh: true });
    expect(again.tokenType).toBe('DPoP');
  });
});

describe('device code + DPoP-bound + nonces required', () => {
  const idp = useDevAuthority({ dpop: { requireNonce: true, boundClients: ['tessera-native'] } });

  it('polls with proofs: one use_dpop_nonce at the first poll, then pending polls and the token carry the nonce', async () => {
    const app = new PublicClientApplication({ clientId: idp.current.clients.native.clientId, authority: idp.current.issuer, dpop: true });
    const flow = await app.initiateDeviceFlow({ scopes: API });
    idp.current.clearRequests();
    flow.interval = 0.2;
    const polling = app.acquireTokenByDeviceFlow(flow);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await approveDeviceCode(idp.current.issuer, flow.userCode, { username: 'device-dpop' });
    const result = await polling;
    expect(result.tokenType).toBe('DPoP');
    const polls = idp.current.requests.filter((r) => r.path === '/token');
    expect(polls[0]!.error).toBe('use_dpop_nonce');
    expect(polls.slice(1).every((r) => r.dpopNonce && r.error !== 'use_dpop_nonce')).toBe(true);
    expect(polls.at(-1)!.status).toBe(200);
  });
});

describe('DPoP nonces of an authorization server and an API on one origin (a path issuer and /api behind one front door)', () => {
  let front: Awaited<ReturnType<typeof startFrontDoor>>;
  let idp: DevAuthority;
  const rs = startResourceServer(() => front.origin);
  beforeAll(async () => {
    front = await startFrontDoor();
    idp = await startDevAuthority({ issuer: `${front.origin}/realms/a`, dpop: { requireNonce: true } });
    await new Promise<void>((resolve) => rs.server.listen(0, '127.0.0.1', resolve));
    front.route('/realms/a', idp.port);
    front.route('/api', (rs.server.address() as { port: number }).port);
    clearMetadataCache();
  });
  afterAll(async () => {
    await idp.close();
    await new Promise((resolve) => rs.server.close(resolve));
    await front.close();
  });

  it("each server's nonce is kept apart (RFC 9449 8, 9): once known, neither is asked for again, alone or at once", async () => {
    const c = idp.clients.confidential;
    const app = new ConfidentialClientApplication({ clientId: c.clientId, clientCredential: c.clientSecret, authority: idp.issuer, dpop: true });
    const scopes = ['urn:tessera:api/.default'];
    const tokenAsks = () => idp.countRequests({ path: '/token', grantType: 'client_credentials' });
    const result = await app.acquireTokenForClient({ scopes });
    expect(await (await app.fetchWithDpop(result, `${front.origin}/api/orders`)).json()).toEqual({ hello: 'dpop' });
    // Each server asked once for its nonce.
    expect([tokenAsks(), rs.seen.length]).toEqual([2, 2]);

    // The API's nonce did not replace the authorization server's, nor the other way round.
    await app.acquireTokenForClient({ scopes, forceRefresh: true });
    expect(tokenAsks()).toBe(3);
    expect((await app.fetchWithDpop(result, `${front.origin}/api/orders`)).status).toBe(200);
    expect(rs.seen).toHaveLength(3);

    // Both at once, each with a nonce the other server does not know: every retry carries the
    // nonce its own server gave (not the one another answer left in memory).
    const fresh = new ConfidentialClientApplication({ clientId: c.clientId, clientCredential: c.clientSecret, authority: idp.issuer, dpop: true });
    const token = await fresh.acquireTokenForClient({ scopes });
    const calls = await Promise.all([
      fresh.acquireTokenForClient({ scopes, forceRefresh: true }).then((r) => r.tokenType),
      ...[1, 2].map(() => fresh.fetchWithDpop(token, `${front.origin}/api/orders`).then((r) => r.status)),
    ]);
    expect(calls).toEqual(['DPoP', 200, 200]);
  });
});

describe('a path issuer (/realms/p) + PAR required + DPoP nonces + consent-gated offline_access', () => {
  let front: Awaited<ReturnType<typeof startFrontDoor>>;
  let idp: DevAuthority;
  beforeAll(async () => {
    front = await startFrontDoor();
    idp = await startDevAuthority({ issuer: `${front.origin}/realms/p`, requirePushedAuthorizationRequests: true, offlineAccess: 'consent', dpop: { requireNonce: true, boundClients: ['tessera-native'] } });
    front.route('/realms/p', idp.port);
    clearMetadataCache();
  });
  afterAll(async () => {
    await idp.close();
    await front.close();
  });

  it("pushes under the issuer's path; prompt=consent inside the pushed request gets a bound refresh token, without it none", async () => {
    const app = new PublicClientApplication({ clientId: idp.clients.native.clientId, authority: idp.issuer, dpop: true });
    const signIn = async (prompt?: 'consent') => {
      const flow = await app.initiateAuthCodeFlow({ scopes: API, redirectUri: LOOPBACK_REDIRECT, prompt });
      expect(flow.authUri.startsWith(`${idp.issuer}/auth?`)).toBe(true);
      const { redirectUrl } = await completeAuthorization(flow.authUri, { username: prompt ? 'consenting' : 'plain' });
      return app.acquireTokenByAuthCodeFlow(flow, redirectUrl);
    };
    const consented = await signIn('consent');
    expect(consented).toMatchObject({ tokenType: 'DPoP', idTokenClaims: { iss: idp.issuer } });
    expect((await app.acquireTokenSilent({ scopes: API, account: consented.account!, forceRefresh: true })).tokenType).toBe('DPoP');
    const plain = await signIn();
    expect(plain.scopes).not.toContain('offline_access');
    await expect(app.acquireTokenSilent({ scopes: API, account: plain.account!, forceRefresh: true })).rejects.toMatchObject({ code: 'no_tokens_found' });
    expect(idp.countRequests({ path: '/request' })).toBe(2);
  });
});
