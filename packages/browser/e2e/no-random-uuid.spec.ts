// Safari before 15.4 has WebCrypto (PKCE works) but no crypto.randomUUID: the client's correlation
// ids come from core's newCorrelationId (getRandomValues there), so sign-in and silent calls work
// instead of failing with the browser's TypeError. Chromium stands in with randomUUID deleted
// before any script of the page runs.
import { expect, expectWorkingToken, openSample, signInAtAuthority, signInWithRedirect, test, text } from './support/e2e.js';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

type SampleWindow = { sample: { client: { acquireTokenSilent(r: object): Promise<{ correlationId?: string; fromCache: boolean; accessToken: string }> }; config: { scopes: string[] } } };

test.beforeEach(async ({ context }) => {
  // Every page of the context, popups included.
  await context.addInitScript(() => delete (Crypto.prototype as Partial<Crypto>).randomUUID);
});

test('without crypto.randomUUID a redirect sign-in and a refresh work, with UUID correlation ids', async ({ idp, app, page }) => {
  await openSample(page, `${app.origin}/`);
  expect(await page.evaluate(() => typeof crypto.randomUUID)).toBe('undefined');
  // Every call makes a correlation id: nobody signed in is the library's typed answer, not a TypeError.
  const silent = await page.evaluate(() => {
    const { client, config } = (window as unknown as SampleWindow).sample;
    return client.acquireTokenSilent({ scopes: config.scopes }).then(
      () => 'served',
      (e: Error & { code?: string; correlationId?: string }) => `${e.name} ${e.code} ${e.correlationId?.length}`,
    );
  });
  expect(silent).toBe('InteractionRequiredError no_account 36');

  const token = await signInWithRedirect(page, idp, 'old-safari');
  await expectWorkingToken(idp, token);

  const refreshed = await page.evaluate(async () => {
    const { client, config } = (window as unknown as SampleWindow).sample;
    const result = await client.acquireTokenSilent({ scopes: config.scopes, forceRefresh: true });
    return { correlationId: result.correlationId, fromCache: result.fromCache, accessToken: result.accessToken };
  });
  expect(refreshed.fromCache).toBe(false);
  expect(refreshed.correlationId).toMatch(UUID_V4);
  expect(idp.countRequests({ grantType: 'refresh_token' })).toBe(1);
  await expectWorkingToken(idp, refreshed.accessToken);
});

test('without crypto.randomUUID a popup sign-in works', async ({ idp, app, page }) => {
  await openSample(page, `${app.origin}/`);
  const popupOpened = page.context().waitForEvent('page');
  await page.click('#login-popup');
  const popup = await popupOpened;
  await signInAtAuthority(popup, idp, 'old-safari-popup');
  await expect(page.locator('#status')).toHaveText('Signed in as old-safari-popup');
  expect(await text(page, '#error')).toBe('');
  await expectWorkingToken(idp, await text(page, '#token'));
});
