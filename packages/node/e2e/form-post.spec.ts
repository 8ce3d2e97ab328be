import { PublicClientApplication, clearMetadataCache } from '@tessera/core';
import { acquireTokenInteractive } from '@tessera/node';
import { expect, recordRequests, signInAs, test } from './support/fixtures.js';

// Issue 9 §3 in a real Chromium: the dev authority requires form_post, the loopback sign-in picks
// it from discovery, and the browser POSTs the response to the listener.

test.use({ idpOptions: { responseModes: ['form_post'] } });
test.beforeAll(() => clearMetadataCache());

test('signs in with response_mode=form_post: the code arrives in a POST from the browser', async ({ idp, page }) => {
  page.setDefaultTimeout(15_000);
  const requests = recordRequests(page);
  const app = new PublicClientApplication({ clientId: idp.clients.native.clientId, authority: idp.issuer });
  let port = 0;
  let driving: Promise<void> | undefined;
  const result = await acquireTokenInteractive(app, {
    scopes: ['api.read'],
    timeoutMs: 30_000,
    openBrowser: (url) => {
      port = Number(new URL(url).port);
      driving = signInAs(page, url, 'form-post-user');
      driving.catch(() => undefined);
    },
  });
  await driving;

  expect(result.idTokenClaims?.sub).toBe('form-post-user');
  expect(result.scopes).toContain('api.read');
  const authorize = requests.find((r) => r.url().startsWith(`${idp.issuer}/auth?`));
  expect(new URL(authorize!.url()).searchParams.get('response_mode')).toBe('form_post');
  const delivered = requests.filter((r) => r.url() === `http://127.0.0.1:${port}/`);
  expect(delivered.map((r) => r.method())).toEqual(['POST']);
  expect(delivered[0]!.postData()).toMatch(/(^|&)code=/);
  expect(await page.getByRole('heading').textContent()).toBe('Signed in');
});
