// A redirectUri on another origin than the page (localhost for 127.0.0.1, www. for the bare host):
// the sign-in's state is in this origin's sessionStorage and a popup's URL is readable from this
// origin only, so such a sign-in can never complete. It is refused before the provider sees it.
import type { Page } from '@playwright/test';
import { expect, openSample, signInAtAuthority, test } from './support/e2e.js';

type Client = { loginPopup(r?: object): Promise<unknown>; loginRedirect(r?: object): Promise<unknown> };
type SampleWindow = { sample: { client: { constructor: unknown }; lib: { browserPopup: unknown } } };

/**
 * A sign-in of a new client with `redirectUri`, expected to be refused: resolves to the error's name,
 * code, correlation id and message, once the page is known to have stayed, the interaction to be over
 * and a popup closed.
 */
async function refusedSignIn(page: Page, authority: string, redirectUri: string, how: 'loginPopup' | 'loginRedirect'): Promise<unknown> {
  const popups: Page[] = [];
  page.context().on('page', (p) => popups.push(p));
  const url = page.url();
  const outcome = await page.evaluate(
    ({ authority, redirectUri, how }) => {
      const { client, lib } = (window as unknown as SampleWindow).sample;
      const Client = client.constructor as new (o: object) => Client;
      // A short popup timeout: without the check the popup would wait it out.
      const other = new Client({ clientId: 'tessera-spa', authority, redirectUri, popup: lib.browserPopup, popupTimeoutMs: 3000 });
      return other[how]({ correlationId: 'origin-call' }).then(
        () => 'resolved',
        (e: Error & { code: string; correlationId?: string }) => [e.name, e.code, e.correlationId, e.message],
      );
    },
    { authority, redirectUri, how },
  );
  expect(page.url()).toBe(url);
  expect(await page.evaluate(() => Object.keys(sessionStorage))).toEqual([]);
  if (how === 'loginPopup') await expect.poll(() => popups.every((p) => p.isClosed())).toBe(true);
  return outcome;
}

for (const how of ['loginPopup', 'loginRedirect'] as const) {
  test(`${how} with a redirectUri on another origin fails with a ConfigurationError naming it; the provider sees nothing`, async ({ idp, app, page }) => {
    await openSample(page, `${app.origin}/`);
    const elsewhere = app.origin.replace('127.0.0.1', 'localhost') + '/';
    expect(new URL(elsewhere).origin).not.toBe(app.origin);
    idp.clearRequests();
    expect(await refusedSignIn(page, idp.issuer, elsewhere, how)).toEqual(['ConfigurationError', 'configuration_error', 'origin-call', expect.stringContaining(`must be on this page's origin ${app.origin}`)]);
    // No authorization request was made.
    expect(idp.requests.filter((r) => r.path === '/auth')).toEqual([]);
  });

  // RFC 6749 3.1.2: a redirect URI has no fragment (hash routers tempt apps into `/#/callback`). Core's
  // flow refuses it, before discovery: the browser client, which calls the flow without core's option
  // schemas, gets the same ConfigurationError, and the provider sees no request at all.
  test(`${how} with a redirectUri with a fragment fails with a ConfigurationError saying what to pass; no request reaches the provider`, async ({ idp, app, page }) => {
    await openSample(page, `${app.origin}/`);
    idp.clearRequests();
    expect(await refusedSignIn(page, idp.issuer, `${app.origin}/#/callback`, how)).toEqual([
      'ConfigurationError',
      'configuration_error',
      'origin-call',
      `redirectUri must not have a fragment (RFC 6749 3.1.2): register and pass ${app.origin}/`,
    ]);
    expect(idp.requests).toEqual([]);
  });
}

test('a redirectUri on this origin at another page still signs in by popup (the check is by origin)', async ({ idp, app, page }) => {
  await openSample(page, `${app.origin}/`);
  const redirectUri = `${app.origin}/cdn.html`;
  const popupOpened = page.context().waitForEvent('page');
  const outcome = await page.evaluate(
    ({ authority, redirectUri }) => {
      const { client, lib } = (window as unknown as SampleWindow).sample;
      const Client = client.constructor as new (o: object) => Client;
      const other = new Client({ clientId: 'tessera-spa', authority, redirectUri, popup: lib.browserPopup });
      (window as unknown as { pending: Promise<unknown> }).pending = other.loginPopup().then(
        (r) => (r as { account: { username: string } }).account.username,
        (e: Error & { code: string }) => e.code,
      );
      return 'started';
    },
    { authority: idp.issuer, redirectUri },
  );
  expect(outcome).toBe('started');
  const popup = await popupOpened;
  await signInAtAuthority(popup, idp, 'grace');
  expect(await page.evaluate(() => (window as unknown as { pending: Promise<unknown> }).pending)).toBe('grace');
});
