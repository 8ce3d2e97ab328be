// Popup sign-ins started from a test in the sample's page, for the COOP suites (popup-coop*.spec.ts).
import type { Page } from '@playwright/test';
import type { DevAuthority } from '@tessera/dev-authority';
import { expect, signInAtAuthority } from './e2e.js';

type Outcome = { username?: string; claims?: Record<string, unknown>; accessToken?: string; code?: string; message?: string };
type SampleWindow = {
  sample: { client: { constructor: unknown }; lib: { browserPopup: unknown } };
  signIn?: Promise<Outcome>;
  /** Aborts the sign-in started last (its request's `signal`). */
  cancelSignIn?: AbortController;
};

/**
 * Starts a popup sign-in in `page` (a client like the sample's, with `popupTimeoutMs`) and resolves
 * to the popup; the sign-in's outcome is kept for `outcomeOf`, `cancelSignIn` aborts it.
 */
export async function startPopupSignIn(page: Page, authority: string, popupTimeoutMs = 60_000): Promise<Page> {
  const [popup] = await Promise.all([
    page.context().waitForEvent('page'),
    page.evaluate(
      ({ authority, popupTimeoutMs }) => {
        const w = window as unknown as SampleWindow;
        const Client = w.sample.client.constructor as new (o: object) => { loginPopup(r: object): Promise<{ account: { username: string }; idTokenClaims: Record<string, unknown>; accessToken: string }> };
        const client = new Client({ clientId: 'tessera-spa', authority, scopes: ['api.read'], popup: w.sample.lib.browserPopup, popupTimeoutMs });
        w.cancelSignIn = new AbortController();
        w.signIn = client.loginPopup({ signal: w.cancelSignIn.signal }).then(
          (r) => ({ username: r.account.username, claims: r.idTokenClaims, accessToken: r.accessToken }),
          (error: { code?: string; message: string }) => ({ code: error.code, message: error.message }),
        );
      },
      { authority, popupTimeoutMs },
    ),
  ]);
  return popup;
}

export const outcomeOf = (page: Page) => page.evaluate(() => (window as unknown as SampleWindow).signIn!);

/** Aborts the sign-in started last in `page` (the app's Cancel button). */
export const cancelSignIn = (page: Page) => page.evaluate(() => (window as unknown as SampleWindow).cancelSignIn!.abort());

/** The popup shows the provider's login page, out of its opener's reach: COOP cut the link. */
export async function expectCutOff(popup: Page, issuer: string): Promise<void> {
  await popup.waitForSelector('#login-form');
  expect(popup.url().startsWith(issuer)).toBe(true);
  expect(await popup.evaluate(() => window.opener)).toBeNull();
}

/**
 * A whole popup sign-in as `username` from `page`, the popup cut off from it by COOP: resolves to
 * the outcome once it succeeded and the popup closed itself (the app's page in it, once it had
 * handed the response over).
 */
export async function signInThroughCutOffPopup(page: Page, idp: DevAuthority, username: string): Promise<Outcome> {
  const popup = await startPopupSignIn(page, idp.issuer);
  const closed = popup.waitForEvent('close');
  await expectCutOff(popup, idp.issuer);
  await signInAtAuthority(popup, idp, username);
  const outcome = await outcomeOf(page);
  expect(outcome.code).toBeUndefined();
  expect(outcome.username).toBe(username);
  await closed;
  return outcome;
}
