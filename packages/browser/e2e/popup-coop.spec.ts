// Popup sign-in at a provider whose sign-in pages send `Cross-Origin-Opener-Policy: same-origin`, as
// Microsoft Entra's do: the popup leaves the app's browsing context group when it shows them, so
// the opener sees it closed and can never read its location again. The app's page the popup comes
// back to hands the response to the tab that started the sign-in (a same-origin BroadcastChannel).
import { expect, expectWorkingToken, openSample, signInAtAuthority, storedSession, test } from './support/e2e.js';
import { cancelSignIn, expectCutOff, outcomeOf, signInThroughCutOffPopup, startPopupSignIn } from './support/popup-coop.js';

test.use({ idpOptions: { crossOriginOpenerPolicy: 'same-origin' } });

test('a popup sign-in completes when the provider sends COOP: the response reaches the opener, which redeems it; the popup closes', async ({ idp, app, page }) => {
  await openSample(page, `${app.origin}/`);
  idp.clearRequests();
  const outcome = await signInThroughCutOffPopup(page, idp, 'grace');
  expect(outcome.claims).toMatchObject({ iss: idp.issuer, aud: 'tessera-spa', sub: 'grace', preferred_username: 'grace' });
  await expectWorkingToken(idp, outcome.accessToken!);
  expect(idp.countRequests({ grantType: 'authorization_code' })).toBe(1);
  expect(await storedSession(page)).toEqual({ accounts: 1, refreshTokens: 1 });
  expect(await page.evaluate(() => Object.keys(sessionStorage))).toEqual([]);
});

test('the user closing a popup that COOP cut off gets popup_timeout after popupTimeoutMs, saying why; the tab is free again', async ({ idp, app, page }) => {
  await openSample(page, `${app.origin}/`);
  idp.clearRequests();
  const popup = await startPopupSignIn(page, idp.issuer, 3000);
  await expectCutOff(popup, idp.issuer);
  await popup.close();

  const outcome = await outcomeOf(page);
  expect(outcome.code).toBe('popup_timeout');
  expect(outcome.message).toMatch(/Cross-Origin-Opener-Policy/);
  expect(idp.countRequests({ grantType: 'authorization_code' })).toBe(0);
  expect(await page.evaluate(() => Object.keys(sessionStorage))).toEqual([]);
  // A new sign-in may start in this tab, and completes.
  const again = await startPopupSignIn(page, idp.issuer);
  await signInAtAuthority(again, idp, 'ivan');
  expect((await outcomeOf(page)).username).toBe('ivan');
});

test('two tabs with a popup sign-in each, completed in the other order: each tab gets its own popup\'s response', async ({ idp, app, context }) => {
  const [tabA, tabB] = [await context.newPage(), await context.newPage()];
  await openSample(tabA, `${app.origin}/`);
  await openSample(tabB, `${app.origin}/`);
  idp.clearRequests();
  const popupA = await startPopupSignIn(tabA, idp.issuer);
  await expectCutOff(popupA, idp.issuer);
  const popupB = await startPopupSignIn(tabB, idp.issuer);
  await expectCutOff(popupB, idp.issuer);

  const closedB = popupB.waitForEvent('close');
  await signInAtAuthority(popupB, idp, 'heidi');
  expect((await outcomeOf(tabB)).username).toBe('heidi');
  await closedB;
  expect(popupA.isClosed()).toBe(false);

  const closedA = popupA.waitForEvent('close');
  await signInAtAuthority(popupA, idp, 'grace');
  expect((await outcomeOf(tabA)).username).toBe('grace');
  await closedA;
  expect(idp.countRequests({ grantType: 'authorization_code' })).toBe(2);
});

test('a popup that COOP cut off is cancelled by the request\'s signal (AbortError), long before popupTimeoutMs; its later response is redeemed by no one', async ({ idp, app, page }) => {
  await openSample(page, `${app.origin}/`);
  idp.clearRequests();
  // A timeout the test outlasts: without the signal the outcome is popup_timeout, not aborted.
  const popup = await startPopupSignIn(page, idp.issuer, 10_000);
  await expectCutOff(popup, idp.issuer);
  await cancelSignIn(page);

  const outcome = await outcomeOf(page);
  expect(outcome).toMatchObject({ code: 'aborted', message: 'The operation was aborted' });
  expect(await page.evaluate(() => Object.keys(sessionStorage))).toEqual([]);
  // The user finishing in the abandoned popup: the app's page in it hands the response over and
  // closes, but nothing listens any more, so its code is never redeemed.
  const closed = popup.waitForEvent('close');
  await signInAtAuthority(popup, idp, 'judy');
  await closed;
  expect(idp.countRequests({ grantType: 'authorization_code' })).toBe(0);
  // The tab is free: a new sign-in completes (the provider's session is judy's now: only its consent page).
  const again = await startPopupSignIn(page, idp.issuer);
  const closedAgain = again.waitForEvent('close');
  await again.click('#consent-form button[type="submit"]');
  expect((await outcomeOf(page)).username).toBe('judy');
  await closedAgain;
  expect(idp.countRequests({ grantType: 'authorization_code' })).toBe(1);
});
