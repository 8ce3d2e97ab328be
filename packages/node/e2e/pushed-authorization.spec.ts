import { PublicClientApplication, clearMetadataCache } from '@tessera/core';
import { acquireTokenInteractive } from '@tessera/node';
import { expect, recordRequests, signInAs, test } from './support/fixtures.js';

// Issue 12 §1 in a real Chromium: the dev authority requires Pushed Authorization Requests (RFC
// 9126) globally and for the native client; the loopback sign-in pushes the request and Chromium
// sees only client_id and request_uri at the authorization endpoint.

test.use({ idpOptions: { requirePushedAuthorizationRequests: true, pushedAuthorizationRequestsRequiredFor: ['native'] } });
test.beforeAll(() => clearMetadataCache());

test('signs in with a pushed authorization request', async ({ idp, page }) => {
  page.setDefaultTimeout(15_000);
  const requests = recordRequests(page);
  idp.clearRequests();
  const app = new PublicClientApplication({ clientId: idp.clients.native.clientId, authority: idp.issuer });
  let driving: Promise<void> | undefined;
  const result = await acquireTokenInteractive(app, {
    scopes: ['api.read'],
    timeoutMs: 30_000,
    openBrowser: (url) => {
      driving = signInAs(page, url, 'par-chromium');
      driving.catch(() => undefined);
    },
  });
  await driving;
  expect(result.idTokenClaims?.sub).toBe('par-chromium');
  expect(idp.countRequests({ path: '/request', clientId: idp.clients.native.clientId })).toBe(1);
  const authorize = requests.map((r) => new URL(r.url())).filter((u) => u.origin === idp.issuer && u.pathname === '/auth');
  expect(authorize.length).toBeGreaterThan(0);
  expect([...authorize[0]!.searchParams.keys()].sort()).toEqual(['client_id', 'request_uri']);
});

test("'never' stops with a clear error before Chromium is sent anywhere", async ({ idp }) => {
  const app = new PublicClientApplication({ clientId: idp.clients.native.clientId, authority: idp.issuer, pushedAuthorizationRequests: 'never' });
  let opened = false;
  const error = await acquireTokenInteractive(app, { scopes: ['api.read'], openBrowser: () => void (opened = true) }).catch((e: unknown) => e);
  expect(error).toMatchObject({ code: 'par_required' });
  expect(opened).toBe(false);
});
