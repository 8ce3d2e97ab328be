// logoutRedirect's `logoutHint`: sent to the provider's end_session_endpoint as `logout_hint`
// (OpenID Connect RP-Initiated Logout 1.0; Entra signs the account out without asking which),
// next to the other parameters, built by core's endSessionUrl as getLogoutUrl builds them.
import { expect, openSample, signInWithRedirect, storedSession, test, text } from './support/e2e.js';

type SampleWindow = { sample: { client: { logoutRedirect(r: object): Promise<void> } } };

test('logoutRedirect({ logoutHint }) sends logout_hint to the end_session_endpoint, and the provider signs the user out', async ({ idp, app, page }) => {
  await openSample(page, `${app.origin}/`);
  await signInWithRedirect(page, idp, 'hinted');
  idp.clearRequests();

  // Not awaited in the page: it navigates away.
  await page.evaluate(() => void (window as unknown as SampleWindow).sample.client.logoutRedirect({ logoutHint: 'hint-of-hinted', state: 'after-logout' }));
  await page.waitForURL((url) => url.href.startsWith(`${idp.issuer}/session/end`));

  // What the provider saw (names only: the dev authority never records values)...
  const seen = idp.requests.filter((r) => r.path === '/session/end' && r.method === 'GET');
  expect(seen).toHaveLength(1);
  expect(seen[0]!.queryParameters?.sort()).toEqual(['client_id', 'id_token_hint', 'logout_hint', 'post_logout_redirect_uri', 'state']);
  // ...and the values, from the URL the page was sent to.
  const query = new URL(page.url()).searchParams;
  expect(query.get('logout_hint')).toBe('hint-of-hinted');
  expect(query.get('state')).toBe('after-logout');
  expect(query.get('client_id')).toBe('tessera-spa');
  expect(query.get('post_logout_redirect_uri')).toBe(`${app.origin}/`);

  // The provider accepts the request: confirming signs out and returns to the app.
  await page.click('button[name="logout"][value="yes"]');
  await page.waitForURL((url) => url.href.startsWith(`${app.origin}/`));
  await page.waitForSelector('body[data-ready="true"]');
  expect(new URL(page.url()).searchParams.get('state')).toBe('after-logout');
  expect(await text(page, '#status')).toBe('Signed out');
  expect(await storedSession(page)).toEqual({ accounts: 0, refreshTokens: 0 });
});

test('without logoutHint no logout_hint is sent', async ({ idp, app, page }) => {
  await openSample(page, `${app.origin}/`);
  await signInWithRedirect(page, idp, 'unhinted');
  await page.evaluate(() => void (window as unknown as SampleWindow).sample.client.logoutRedirect({}));
  await page.waitForURL((url) => url.href.startsWith(`${idp.issuer}/session/end`));
  expect(new URL(page.url()).searchParams.has('logout_hint')).toBe(false);
});
