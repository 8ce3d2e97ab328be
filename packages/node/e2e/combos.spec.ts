import { PublicClientApplication, clearMetadataCache } from '@tessera/core';
import { expect, loopbackSignIn, recordRequests, test } from './support/fixtures.js';

// Provider features combined, in a real Chromium: a provider that requires form_post AND pushed
// authorization requests, with the native client DPoP-bound and nonces required. The loopback
// sign-in pushes response_mode=form_post and dpop_jkt; the code arrives in a POST; the tokens are
// DPoP-bound, offline_access survives the push (a refresh token), and a silent refresh works.

test.use({
  idpOptions: {
    responseModes: ['form_post'],
    requirePushedAuthorizationRequests: true,
    dpop: { requireNonce: true, boundClients: ['tessera-native'], exposeErrorDetail: true },
  },
});
test.beforeAll(() => clearMetadataCache());

test('form_post + PAR + DPoP-bound with nonces: loopback sign-in, then a silent refresh', async ({ idp, page }) => {
  const requests = recordRequests(page);
  idp.clearRequests();
  const app = new PublicClientApplication({ clientId: idp.clients.native.clientId, authority: idp.issuer, dpop: true });
  const { result, port } = await loopbackSignIn(app, page, 'combo-user');

  expect(result.idTokenClaims?.sub).toBe('combo-user');
  expect(result.tokenType).toBe('DPoP');
  // Chromium saw only the pushed request's handle; the response came back as a POST.
  const authorize = requests.map((r) => new URL(r.url())).filter((u) => u.origin === idp.issuer && u.pathname === '/auth');
  expect([...authorize[0]!.searchParams.keys()].sort()).toEqual(['client_id', 'request_uri']);
  expect(idp.countRequests({ path: '/request', clientId: idp.clients.native.clientId })).toBe(1);
  expect(requests.filter((r) => r.url() === `http://127.0.0.1:${port}/`).map((r) => r.method())).toEqual(['POST']);
  // The code was redeemed with a proof carrying the server's nonce (after one use_dpop_nonce).
  const redeemed = idp.requests.filter((r) => r.path === '/token' && r.grantType === 'authorization_code');
  expect(redeemed.map((r) => r.error ?? r.status)).toEqual(['use_dpop_nonce', 200]);

  // offline_access survived the push: a refresh token was issued and redeems with a proof.
  const refreshed = await app.acquireTokenSilent({ scopes: ['api.read'], account: result.account!, forceRefresh: true });
  expect(refreshed.tokenType).toBe('DPoP');
  expect(refreshed.accessToken).not.toBe(result.accessToken);
  expect(idp.countRequests({ path: '/token', grantType: 'refresh_token', dpopProof: true })).toBe(1);
});
