// Popup sign-in with the bundled sample SPA in Chromium against the dev authority.
import type { Page } from '@playwright/test';
import { expect, expectWorkingToken, openSample, signInAtAuthority, storedSession, test, text } from './support/e2e.js';

type Result = { account: { username: string }; fromCache: boolean };
type SampleWindow = {
  sample: {
    client: { loginPopup(): Promise<unknown>; on(type: string, listener: (r: Result) => void): () => void; constructor: unknown };
    lib: { browserPopup: unknown };
  };
};

test.describe('popup sign-in (bundled sample)', () => {
  async function openPopup(page: Page): Promise<Page> {
    const [popup] = await Promise.all([page.context().waitForEvent('page'), page.click('#login-popup')]);
    return popup;
  }

  test('signs in in a popup that returns to the redirect URI; the opener redeems the code once', async ({ idp, app, page }) => {
    await openSample(page, `${app.origin}/`);
    await page.evaluate(() => {
      const w = window as unknown as SampleWindow & { events: string[] };
      w.events = [];
      w.sample.client.on('signedIn', (r) => w.events.push(`signedIn:${r.account.username}`));
      w.sample.client.on('tokenAcquired', (r) => w.events.push(`tokenAcquired:${r.fromCache}`));
    });
    idp.clearRequests();

    const popup = await openPopup(page);
    const closed = popup.waitForEvent('close');
    await signInAtAuthority(popup, idp, 'grace');
    await closed; // the opener closes it
    await page.waitForFunction(() => document.querySelector('#status')?.textContent === 'Signed in as grace');
    expect(await text(page, '#error')).toBe('');
    expect(await text(page, '#from-cache')).toBe('false');
    await expectWorkingToken(idp, await text(page, '#token'));
    expect(idp.countRequests({ grantType: 'authorization_code' })).toBe(1);
    expect(await storedSession(page)).toEqual({ accounts: 1, refreshTokens: 1 });
    expect(await page.evaluate(() => Object.keys(sessionStorage))).toEqual([]);
    expect(await page.evaluate(() => (window as unknown as { events: string[] }).events)).toEqual(['signedIn:grace', 'tokenAcquired:false']);
  });

  test('rejects with popup_timeout when the popup does not come back in time; the error carries the sign-in\'s correlation id', async ({ idp, app, page }) => {
    await openSample(page, `${app.origin}/`);
    idp.clearRequests();
    const popupOpened = page.context().waitForEvent('page');
    const outcome = page.evaluate(
      ({ authority }) => {
        const { client, lib } = (window as unknown as SampleWindow).sample;
        const Client = client.constructor as new (o: object) => SampleWindow['sample']['client'];
        const impatient = new Client({ clientId: 'tessera-spa', authority, popup: lib.browserPopup, popupTimeoutMs: 1500 });
        return (impatient.loginPopup as (r: object) => Promise<unknown>)({ correlationId: 'popup-call-1' }).then(
          () => 'resolved',
          (error: { code: string; correlationId?: string }) => `${error.code} ${error.correlationId}`,
        );
      },
      { authority: idp.issuer },
    );
    const popup = await popupOpened;
    const closed = popup.waitForEvent('close');
    expect(await outcome).toBe('popup_timeout popup-call-1');
    await closed;
    // The provider saw the sign-in start; the id travels on its authorize URL to Entra only (see
    // entra-b2c-ciam.spec.ts), so this generic provider got none.
    expect(idp.requests.find((r) => r.path === '/auth')).toBeDefined();
    expect(idp.requests.find((r) => r.path === '/auth')?.clientRequestId).toBeUndefined();
    expect(await page.evaluate(() => Object.keys(sessionStorage))).toEqual([]);
  });

  test('rejects with user_cancelled when the user closes the popup, and refuses a second interaction meanwhile', async ({ idp, app, page }) => {
    await openSample(page, `${app.origin}/`);
    // The page's clock runs when the test says: the user closes the popup after looking at the
    // provider's page, which the opener sees (a popup that looks closed the moment it reaches the
    // provider may be cut off by COOP, not closed: see popup-coop.spec.ts).
    await page.clock.install();

    const popup = await openPopup(page);
    await popup.waitForURL((url) => url.href.startsWith(idp.issuer));
    // While the popup is open, another interaction in this tab is a typed error.
    const second = await page.evaluate(() =>
      (window as unknown as SampleWindow).sample.client.loginPopup().then(
        () => 'resolved',
        (error: { code: string }) => error.code,
      ),
    );
    expect(second).toBe('interaction_in_progress');

    await page.clock.runFor(1000); // the user reads the sign-in page for a second
    await popup.close();
    await page.clock.runFor(100);
    await expect(page.locator('#error')).toHaveAttribute('data-code', 'user_cancelled');
    expect(await text(page, '#status')).toBe('Signed out');
    expect(await storedSession(page)).toEqual({ accounts: 0, refreshTokens: 0 });
    // The cancelled interaction is over: a new one may start.
    expect(await page.evaluate(() => Object.keys(sessionStorage))).toEqual([]);
  });
});

test('a popup sign-in whose redirectUri is the origin alone (no `/`, as MSAL samples write it) completes: the popup comes back to `origin/#…`', async ({ idp, app, page }) => {
  await openSample(page, `${app.origin}/`);
  idp.clearRequests();
  const popupOpened = page.context().waitForEvent('page');
  const outcome = page.evaluate(
    ({ authority, redirectUri }) => {
      const { client, lib } = (window as unknown as SampleWindow).sample;
      const Client = client.constructor as new (o: object) => SampleWindow['sample']['client'];
      // Short enough that a popup the opener does not recognize fails this test soon.
      const bare = new Client({ clientId: 'tessera-spa', authority, redirectUri, popup: lib.browserPopup, popupTimeoutMs: 15_000 });
      return bare.loginPopup().then(
        (r) => (r as Result).account.username,
        (error: { code: string }) => error.code,
      );
    },
    { authority: idp.issuer, redirectUri: app.origin },
  );
  const popup = await popupOpened;
  const visited: string[] = [];
  popup.on('framenavigated', (frame) => visited.push(frame.url()));
  await signInAtAuthority(popup, idp, 'grace');
  expect(await outcome).toBe('grace');
  expect(visited.some((url) => url.startsWith(`${app.origin}/#`) && url.includes('code='))).toBe(true);
  expect(idp.countRequests({ grantType: 'authorization_code' })).toBe(1);
});

test('the request\'s signal cancels a popup sign-in: AbortError, the popup closed, the tab free; an aborted signal opens no popup, and sends no redirect sign-in', async ({ idp, app, page, context }) => {
  await openSample(page, `${app.origin}/`);
  idp.clearRequests();
  const popupOpened = context.waitForEvent('page');
  await page.evaluate((authority) => {
    const w = window as unknown as SampleWindow & { cancel: AbortController; outcome: Promise<string> };
    const Client = w.sample.client.constructor as new (o: object) => { loginPopup(r: object): Promise<unknown> };
    const client = new Client({ clientId: 'tessera-spa', authority, popup: w.sample.lib.browserPopup, popupTimeoutMs: 15_000 });
    w.cancel = new AbortController();
    w.outcome = client.loginPopup({ signal: w.cancel.signal }).then(
      () => 'resolved',
      (error: { name: string; code: string }) => `${error.name} ${error.code}`,
    );
  }, idp.issuer);
  const popup = await popupOpened;
  await popup.waitForURL((url) => url.href.startsWith(idp.issuer));
  const closed = popup.waitForEvent('close');
  await page.evaluate(() => (window as unknown as { cancel: AbortController }).cancel.abort());
  expect(await page.evaluate(() => (window as unknown as { outcome: Promise<string> }).outcome)).toBe('AbortError aborted');
  await closed;
  expect(await page.evaluate(() => Object.keys(sessionStorage))).toEqual([]);

  // Already aborted: rejected at once, no window opened, the provider asked nothing.
  idp.clearRequests();
  let opened = 0;
  context.on('page', () => opened++);
  const early = await page.evaluate((authority) => {
    const w = window as unknown as SampleWindow;
    const Client = w.sample.client.constructor as new (o: object) => { loginPopup(r: object): Promise<unknown> };
    const client = new Client({ clientId: 'tessera-spa', authority, popup: w.sample.lib.browserPopup });
    return client.loginPopup({ signal: AbortSignal.abort() }).then(
      () => 'resolved',
      (error: { name: string; code: string }) => `${error.name} ${error.code}`,
    );
  }, idp.issuer);
  expect(early).toBe('AbortError aborted');
  expect(opened).toBe(0);
  expect(idp.requests).toEqual([]);
  expect(await page.evaluate(() => Object.keys(sessionStorage))).toEqual([]);
  // A redirect sign-in (the sample's client, its discovery document already loaded) stays on the page.
  const redirect = await page.evaluate(() => {
    const { client } = (window as unknown as { sample: { client: { loginRedirect(r: object): Promise<void> } } }).sample;
    return client.loginRedirect({ signal: AbortSignal.abort() }).then(
      () => 'navigating',
      (error: { name: string; code: string }) => `${error.name} ${error.code}`,
    );
  });
  expect(redirect).toBe('AbortError aborted');
  expect(page.url()).toBe(`${app.origin}/`);
  expect(idp.requests.filter((r) => r.path === '/auth')).toEqual([]);
  expect(await page.evaluate(() => Object.keys(sessionStorage))).toEqual([]);

  // Aborted during its last step (here: as the sign-in's state is stored, right before navigating).
  const late = await page.evaluate(() => {
    const { client } = (window as unknown as { sample: { client: { loginRedirect(r: object): Promise<void> } } }).sample;
    const controller = new AbortController();
    const setItem = Storage.prototype.setItem;
    Storage.prototype.setItem = function (this: Storage, key: string, value: string) {
      setItem.call(this, key, value);
      // The stored flow (not the tab's claim, taken first): the last step before navigating.
      if (value.includes('authUri')) controller.abort();
    };
    return client.loginRedirect({ signal: controller.signal }).then(
      () => 'navigating',
      (error: { name: string; code: string }) => `${error.name} ${error.code}`,
    ).finally(() => (Storage.prototype.setItem = setItem));
  });
  expect(late).toBe('AbortError aborted');
  expect(page.url()).toBe(`${app.origin}/`);
  expect(idp.requests.filter((r) => r.path === '/auth')).toEqual([]);
  expect(await page.evaluate(() => Object.keys(sessionStorage))).toEqual([]);
});
