// The app itself sends `Cross-Origin-Opener-Policy: same-origin` (the provider does not): its
// popup leaves the opener's browsing context group as it leaves for the provider, so every popup
// sign-in takes the way a provider's COOP forces (see popup-coop.spec.ts).
import { expect, expectWorkingToken, openSample, test } from './support/e2e.js';
import { outcomeOf, signInThroughCutOffPopup, startPopupSignIn } from './support/popup-coop.js';

test.use({ appCrossOriginOpenerPolicy: 'same-origin' });

test('the popup, cut off as it leaves for the provider, hands the response back the same way; the user closing it gets popup_timeout', async ({ idp, app, page }) => {
  await openSample(page, `${app.origin}/`);
  idp.clearRequests();
  const outcome = await signInThroughCutOffPopup(page, idp, 'judy');
  await expectWorkingToken(idp, outcome.accessToken!);
  expect(idp.countRequests({ grantType: 'authorization_code' })).toBe(1);

  const cancelled = await startPopupSignIn(page, idp.issuer, 3000);
  await cancelled.waitForURL((url) => url.href.startsWith(idp.issuer));
  await cancelled.close();
  expect((await outcomeOf(page)).code).toBe('popup_timeout');
});
