// Provider features combined, in Chromium with the bundled sample SPA: a dev authority that requires
// pushed authorization requests (RFC 9126), registers the SPA DPoP-bound and demands DPoP nonces,
// with short-lived access tokens and rotating refresh tokens.
import type { Page } from '@playwright/test';
import { expect, openSample, signInWithRedirect, storedCache, test, text, waitUntilExpired } from './support/e2e.js';

const TTL = 16;
test.use({ idpOptions: { accessTokenTtl: TTL, requirePushedAuthorizationRequests: true, dpop: { requireNonce: true, boundClients: ['tessera-spa'], exposeErrorDetail: true } } });

type SampleWindow = { sample: { client: { acquireTokenSilent(r: { scopes: string[]; forceRefresh?: boolean }): Promise<{ accessToken: string; tokenType: string; fromCache: boolean }> } } };
const silent = (page: Page, forceRefresh = false) =>
  page.evaluate((force) => (window as unknown as SampleWindow).sample.client.acquireTokenSilent({ scopes: ['api.read'], forceRefresh: force }), forceRefresh);

test('PAR + DPoP-bound + nonces: the redirect sign-in pushes dpop_jkt, the tokens are bound; two tabs then refresh once', async ({ idp, app, context }) => {
  app.config.dpop = true;
  const tabA = await context.newPage();
  const authorize: string[][] = [];
  context.on('request', (r) => {
    const url = new URL(r.url());
    if (url.origin === idp.issuer && url.pathname === '/auth') authorize.push([...url.searchParams.keys()].sort());
  });
  await openSample(tabA, `${app.origin}/`);
  idp.clearRequests();
  await signInWithRedirect(tabA, idp, 'par-dpop');

  expect(authorize[0]).toEqual(['client_id', 'request_uri']);
  expect(idp.countRequests({ path: '/request', clientId: 'tessera-spa' })).toBe(1);
  const redeemed = idp.requests.filter((r) => r.grantType === 'authorization_code');
  expect(redeemed.map((r) => r.error ?? r.status)).toEqual(['use_dpop_nonce', 200]);
  // offline_access survived the push: a refresh token, bound to the key like the access token.
  const cache = await storedCache(tabA);
  const [at] = Object.values(cache!.AccessToken!) as Array<Record<string, string>>;
  const [rt] = Object.values(cache!.RefreshToken ?? {}) as Array<Record<string, string>>;
  expect(at).toMatchObject({ token_type: 'DPoP' });
  expect(rt?.key_id).toBe(at!.key_id);

  // A second tab (its own, empty, nonce memory); once the token expired both refresh at once: the
  // Web Lock lets one refresh through, and a use_dpop_nonce retry resends the same refresh token
  // without the provider taking it for reuse.
  const tabB = await context.newPage();
  await openSample(tabB, `${app.origin}/`);
  expect(await text(tabB, '#status')).toBe('Signed in as par-dpop');
  await waitUntilExpired(await text(tabA, '#expires'), TTL);
  idp.clearRequests();
  const [a, b] = await Promise.all([silent(tabA), silent(tabB)]);
  const refreshes = idp.requests.filter((r) => r.grantType === 'refresh_token');
  expect(refreshes.filter((r) => r.status === 200)).toHaveLength(1);
  expect(refreshes.every((r) => r.status === 200 || r.error === 'use_dpop_nonce')).toBe(true);
  expect(a.accessToken).toBe(b.accessToken);
  expect([a.fromCache, b.fromCache].sort()).toEqual([false, true]);
  expect(a.tokenType).toBe('DPoP');

  // The grant is alive: the rotated refresh token refreshes again in either tab.
  idp.clearRequests();
  const again = await silent(tabB, true);
  expect(again).toMatchObject({ tokenType: 'DPoP', fromCache: false });
  expect(idp.requests.filter((r) => r.grantType === 'refresh_token' && r.status === 200)).toHaveLength(1);
});
