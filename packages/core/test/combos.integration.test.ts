// Provider features combined, against the real dev authority (each is tested alone elsewhere):
// pushed authorization requests (RFC 9126) with DPoP-bound clients whose proofs need nonces,
// PAR with offline_access, and DPoP with rotating refresh tokens under the refresh lock.
import { completeAuthorization } from '@tessera/dev-authority';
import { describe, expect, it } from 'vitest';
import { ConfidentialClientApplication, PublicClientApplication, TokenCache, generateDpopKeyPair } from '../src/index.js';
import { LOOPBACK_REDIRECT, useDevAuthority } from './helpers.js';

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
