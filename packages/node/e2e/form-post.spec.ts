import { PublicClientApplication, clearMetadataCache } from '@tessera/core';
import { expect, loopbackSignIn, recordRequests, test } from './support/fixtures.js';

// Issue 9 §3 in a real Chromium: the dev authority requires form_post, the loopback sign-in picks
// it from discovery, and the browser POSTs the response to the listener.

test.use({ idpOptions: { responseModes: ['form_post'] } });
test.beforeAll(() => clearMetadataCache());

test('signs in with response_mode=form_post: the code arrives in a POST from the browser', async ({ idp, page }) => {
  const requests = recordRequests(page);
  const app = new PublicClientApplication({ clientId: idp.clients.native.clientId, authority: idp.issuer });
  const { result, port } = await loopbackSignIn(app, page, 'form-post-user');

  expect(result.idTokenClaims?.sub).toBe('form-post-user');
  expect(result.scopes).toContain('api.read');
  const authorize = requests.find((r) => r.url().startsWith(`${idp.issuer}/auth?`));
  expect(new URL(authorize!.url()).searchParams.get('response_mode')).toBe('form_post');
  const delivered = requests.filter((r) => r.url() === `http://127.0.0.1:${port}/`);
  expect(delivered.map((r) => r.method())).toEqual(['POST']);
  expect(delivered[0]!.postData()).toMatch(/(^|&)code=/);
  expect(await page.getByRole('heading').textContent()).toBe('Signed in');
});
