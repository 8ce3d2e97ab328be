// acquireTokenInteractive (built dist) at two issuers on one host, Keycloak realms /realms/a and
// /realms/b behind one front door, in one real Chromium profile: each sign-in runs on its own
// issuer's pages below its path, and each issuer's browser session survives the other's sign-in.
import { test as base } from '@playwright/test';
import { PublicClientApplication, TokenCache, clearMetadataCache } from '@tessera/core';
import { type DevAuthority, type PathIssuers, startPathIssuers } from '@tessera/dev-authority';
import { acquireTokenInteractive } from '@tessera/node';
import { expect, loopbackSignIn, recordRequests } from './support/fixtures.js';

const test = base.extend<object, { realms: PathIssuers }>({
  realms: [
    async ({}, use) => {
      const realms = await startPathIssuers(['a', 'b']);
      try {
        await use(realms);
      } finally {
        await realms.close();
      }
    },
    { scope: 'worker' },
  ],
});

test.beforeAll(() => clearMetadataCache());

test('signs in at /realms/a and /realms/b of one host in one browser; each client keeps its own account, each issuer its session', async ({ realms, page }) => {
  const { a, b } = realms.authorities as Record<'a' | 'b', DevAuthority>;
  // One app with a client per issuer on one cache.
  const cache = new TokenCache();
  const [appA, appB] = [a, b].map((idp) => new PublicClientApplication({ clientId: idp.clients.native.clientId, authority: idp.issuer, tokenCache: cache }));
  const requests = recordRequests(page);
  const pathsAtHost = () => requests.splice(0).map((r) => new URL(r.url())).filter((u) => u.origin === realms.origin).map((u) => u.pathname);

  const { result: inA } = await loopbackSignIn(appA!, page, 'ada');
  // The browser stayed below a's path: authorization, login and consent pages, and the resume after them.
  const atA = pathsAtHost();
  expect(atA.filter((p) => /\/auth\/[\w-]+$/.test(p)).length).toBeGreaterThan(0);
  expect(atA.every((p) => p.startsWith('/realms/a/'))).toBe(true);
  const { result: inB } = await loopbackSignIn(appB!, page, 'ada');
  expect(pathsAtHost().every((p) => p.startsWith('/realms/b/'))).toBe(true);

  expect(inA.idTokenClaims).toMatchObject({ iss: a.issuer, sub: 'ada' });
  expect(inB.idTokenClaims).toMatchObject({ iss: b.issuer, sub: 'ada' });
  expect((await appA!.getAccounts()).map((x) => `${x.homeAccountId} ${x.tenantId}`)).toEqual(['ada realms/a']);
  expect((await appB!.getAccounts()).map((x) => `${x.homeAccountId} ${x.tenantId}`)).toEqual(['ada realms/b']);
  // Each client's silent token is its own sign-in's.
  expect((await appA!.acquireTokenSilent({ account: inA.account!, scopes: ['api.read'] })).accessToken).toBe(inA.accessToken);
  expect((await appB!.acquireTokenSilent({ account: inB.account!, scopes: ['api.read'] })).accessToken).toBe(inB.accessToken);

  // Each issuer still knows the browser: signing in again at a (after b's sign-in), then at b, asks
  // only for consent (native clients always are asked), not for the password. Had b's session
  // cookie replaced a's, a would show its login page again.
  for (const [app, idp] of [
    [appA!, a],
    [appB!, b],
  ] as const) {
    let firstPage: Promise<string> | undefined;
    // The login page instead ends the sign-in at once (rather than at the timeout).
    const stop = new AbortController();
    const result = await acquireTokenInteractive(app, {
      scopes: ['api.read'],
      timeoutMs: 30_000,
      signal: stop.signal,
      openBrowser: (url) => {
        firstPage = (async () => {
          await page.goto(url);
          const form = (await page.locator('#login-form, #consent-form').first().getAttribute('id')) ?? '';
          if (form === 'consent-form') await page.click('#consent-form button[type="submit"]');
          else stop.abort(new Error(`${idp.issuer} showed ${form}: it lost its session`));
          return form;
        })();
        firstPage.catch(() => undefined);
      },
    });
    expect(await firstPage).toBe('consent-form');
    expect(result.idTokenClaims).toMatchObject({ iss: idp.issuer, sub: 'ada' });
    expect(pathsAtHost().every((p) => p.startsWith(`${new URL(idp.issuer).pathname}/`))).toBe(true);
  }
});
