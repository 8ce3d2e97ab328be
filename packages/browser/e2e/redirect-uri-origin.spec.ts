// A redirectUri on another origin than the page (localhost for 127.0.0.1, www. for the bare host):
// the sign-in's state is in this origin's sessionStorage and a popup's URL is readable from this
// origin only, so such a sign-in can never complete. It is refused before the provider sees it.
import { expect, openSample, signInAtAuthority, test } from './support/e2e.js';

type Client = { loginPopup(r?: object): Promise<unknown>; loginRedirect(r?: object): Promise<unknown> };
type SampleWindow = { sample: { client: { constructor: unknown }; lib: { browserPopup: unknown } } };

for (const how of ['loginPopup', 'loginRedirect'] as const) {
  test(`${how} with a redirectUri on another origin fails with a ConfigurationError naming it; the provider sees nothing`, async ({ idp, app, page }) => {
    await openSample(page, `${app.origin}/`);
    const elsewhere = app.origin.replace('127.0.0.1', 'localhost') + '/';
    expect(new URL(elsewhere).origin).not.toBe(app.origin);
    idp.clearRequests();
    const popups: unknown[] = [];
    page.context().on('page', (p) => popups.push(p));
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
      { authority: idp.issuer, redirectUri: elsewhere, how },
    );
    expect(outcome).toEqual(['ConfigurationError', 'configuration_error', 'origin-call', expect.stringContaining(`must be on this page's origin ${app.origin}`)]);
    // The page stayed, no authorization request was made, and the interaction is over.
    expect(page.url()).toBe(`${app.origin}/`);
    expect(idp.requests.filter((r) => r.path === '/auth')).toEqual([]);
    expect(await page.evaluate(() => Object.keys(sessionStorage))).toEqual([]);
    if (how === 'loginPopup') await expect.poll(() => popups.every((p) => (p as { isClosed(): boolean }).isClosed())).toBe(true);
  });
}

// RFC 6749 3.1.2: a redirect URI has no fragment (hash routers tempt apps into `/#/callback`). Core's
// flow refuses it, before discovery: the browser client, which calls the flow without core's option
// schemas, gets the same ConfigurationError, and the provider sees no request at all.
for (const how of ['loginPopup', 'loginRedirect'] as const) {
  test(`${how} with a redirectUri with a fragment fails with a ConfigurationError saying what to pass; no request reaches the provider`, async ({ idp, app, page }) => {
    await openSample(page, `${app.origin}/`);
    idp.clearRequests();
    const popups: unknown[] = [];
    page.context().on('page', (p) => popups.push(p));
    const outcome = await page.evaluate(
      ({ authority, redirectUri, how }) => {
        const { client, lib } = (window as unknown as SampleWindow).sample;
        const Client = client.constructor as new (o: object) => Client;
        const hashRouted = new Client({ clientId: 'tessera-spa', authority, redirectUri, popup: lib.browserPopup, popupTimeoutMs: 3000 });
        return hashRouted[how]().then(
          () => 'resolved',
          (e: Error & { code: string }) => [e.name, e.code, e.message],
        );
      },
      { authority: idp.issuer, redirectUri: `${app.origin}/#/callback`, how },
    );
    expect(outcome).toEqual(['ConfigurationError', 'configuration_error', `redirectUri must not have a fragment (RFC 6749 3.1.2): register and pass ${app.origin}/`]);
    expect(page.url()).toBe(`${app.origin}/`);
    expect(idp.requests).toEqual([]);
    expect(await page.evaluate(() => Object.keys(sessionStorage))).toEqual([]);
    if (how === 'loginPopup') await expect.poll(() => popups.every((p) => (p as { isClosed(): boolean }).isClosed())).toBe(true);
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
