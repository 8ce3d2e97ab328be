import { PublicClientApplication, clearMetadataCache } from '@tessera/core';
import { acquireTokenInteractive } from '@tessera/node';
import { expect, recordRequests, signInAs, test } from './support/fixtures.js';

// Issue 10 item 2 in a real Chromium: the launcher gets only a one-time loopback URL; the browser
// follows it to the provider and signs in; state, nonce and PKCE challenge never leave the process
// except in that redirect to the browser.

test.beforeAll(() => clearMetadataCache());

test('signs in through the one-time start page; the launcher never sees state, nonce or challenge', async ({ idp, page }) => {
  page.setDefaultTimeout(15_000);
  const requests = recordRequests(page);
  const app = new PublicClientApplication({ clientId: idp.clients.native.clientId, authority: idp.issuer });
  const launched: string[] = [];
  let driving: Promise<void> | undefined;
  const result = await acquireTokenInteractive(app, {
    scopes: ['api.read'],
    timeoutMs: 30_000,
    openBrowser: (url) => {
      launched.push(url);
      driving = signInAs(page, url, 'start-page-user');
      driving.catch(() => undefined); // awaited below; the flow ends with the redirect
    },
  });
  await driving;

  expect(result.idTokenClaims?.sub).toBe('start-page-user');
  expect(launched).toHaveLength(1);
  expect(launched[0]).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/start\/[\w-]{43}$/);
  // What Chromium sent to the provider: the secrets the launcher must not have seen.
  const authorize = requests.find((r) => r.url().startsWith(`${idp.issuer}/auth?`));
  expect(authorize, 'Chromium reached the authorization endpoint').toBeTruthy();
  const sent = new URL(authorize!.url()).searchParams;
  for (const name of ['state', 'nonce', 'code_challenge']) {
    const secret = sent.get(name)!;
    expect(secret.length).toBeGreaterThan(20);
    expect(launched[0]).not.toContain(secret);
  }
  // The start page was fetched once; it is gone now (the listener is closed).
  expect(requests.filter((r) => r.url() === launched[0])).toHaveLength(1);
  expect(await page.getByRole('heading').textContent()).toBe('Signed in');
});
