// A page of another site opens the app in a window it names like a sign-in popup
// (`tessera.interaction.…`, which it can guess): the app must not take itself for its own popup,
// whose opener reads and redeems the response, or its redirect sign-ins never complete there and
// leave the code in the address bar.
import { expect, openSample, signInWithRedirect, test, text } from './support/e2e.js';

test('the app opened by another site in a window named like a sign-in popup still completes its redirect sign-in there', async ({ idp, app, page }) => {
  // Another origin (localhost for 127.0.0.1) plays the other site.
  const otherSite = app.origin.replace('127.0.0.1', 'localhost');
  idp.clearRequests();
  await page.goto(`${otherSite}/`);
  const [opened] = await Promise.all([
    page.context().waitForEvent('page'),
    page.evaluate(({ url, name }) => void window.open(url, name), { url: `${app.origin}/`, name: `tessera.interaction.tessera-spa ${idp.issuer}` }),
  ]);
  await opened.waitForSelector('body[data-ready="true"]');
  expect(await opened.evaluate(() => [window.name.startsWith('tessera.interaction.'), !!window.opener])).toEqual([true, true]);

  const token = await signInWithRedirect(opened, idp, 'grace');
  expect(token).not.toBe('');
  expect(new URL(opened.url()).hash).toBe('');
  expect(idp.countRequests({ grantType: 'authorization_code' })).toBe(1);
  // The opener's own tab is untouched, and a real popup (same-origin opener) still works: popup.spec.ts.
  await openSample(page, `${app.origin}/`);
  expect(await text(page, '#status')).toBe('Signed in as grace');
});
