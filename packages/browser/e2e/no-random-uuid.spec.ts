// Browsers older than the ES2022 this package is built for (Safari before 15.4) have WebCrypto but
// no crypto.randomUUID, which makes each call's correlation id: every sign-in and silent call is a
// ConfigurationError naming the requirement, not the browser's TypeError, and nothing reaches the
// provider. Chromium stands in with randomUUID deleted before any script of the page runs.
import { expect, openSample, test } from './support/e2e.js';

type Outcome = string;
type SampleWindow = {
  sample: {
    client: { constructor: unknown; acquireTokenSilent(r: object): Promise<unknown>; loginRedirect(r: object): Promise<void> };
    config: { scopes: string[] };
    lib: { browserPopup: unknown };
  };
};

test.beforeEach(async ({ context }) => {
  // Every page of the context, popups included.
  await context.addInitScript(() => delete (Crypto.prototype as Partial<Crypto>).randomUUID);
});

test('without crypto.randomUUID, sign-ins and silent calls fail with a ConfigurationError naming the browser requirement; the provider sees nothing', async ({ idp, app, page, context }) => {
  await openSample(page, `${app.origin}/`);
  expect(await page.evaluate(() => typeof crypto.randomUUID)).toBe('undefined');
  idp.clearRequests();

  const outcomes = await page.evaluate(async (authority): Promise<Record<string, Outcome>> => {
    const { client, config, lib } = (window as unknown as SampleWindow).sample;
    const Client = client.constructor as new (o: object) => { loginPopup(r: object): Promise<unknown> };
    const popupClient = new Client({ clientId: 'tessera-spa', authority, popup: lib.browserPopup });
    const outcome = (call: Promise<unknown>) =>
      call.then(
        () => 'resolved',
        (e: Error & { code?: string }) => `${e.name} ${e.code}: ${e.message}`,
      );
    return {
      redirect: await outcome(client.loginRedirect({ scopes: config.scopes })),
      popup: await outcome(popupClient.loginPopup({ scopes: config.scopes })),
      silent: await outcome(client.acquireTokenSilent({ scopes: config.scopes })),
    };
  }, idp.issuer);
  const expected = 'ConfigurationError configuration_error: Browser too old: no crypto.randomUUID (needs Safari 15.4+)';
  expect(outcomes).toEqual({ redirect: expected, popup: expected, silent: expected });
  // Still on the app; no sign-in was sent, not even discovery; the tab is free (no interaction left).
  expect(page.url()).toBe(`${app.origin}/`);
  expect(idp.requests).toEqual([]);
  expect(await page.evaluate(() => Object.keys(sessionStorage))).toEqual([]);
  // The popup opened inside the click closes again.
  await expect.poll(() => context.pages().length).toBe(1);
});

test('without Array.prototype.at either (Safari 15.0-15.3), an Entra client is still made and its sign-in gets the same ConfigurationError', async ({ idp, app, page, context }) => {
  await context.addInitScript(() => delete (Array.prototype as Partial<unknown[]>).at);
  await openSample(page, `${app.origin}/`);
  idp.clearRequests();
  const outcome = await page.evaluate(async () => {
    const { client, config } = (window as unknown as SampleWindow).sample;
    const Client = client.constructor as new (o: object) => { loginRedirect(r: object): Promise<void> };
    try {
      const entra = new Client({ clientId: '11111111-1111-1111-1111-111111111111', authority: 'https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0' });
      return await entra.loginRedirect({ scopes: config.scopes }).then(() => 'resolved', (e: Error & { code?: string }) => `${e.name} ${e.code}: ${e.message}`);
    } catch (e) {
      return `constructor: ${(e as Error).name}: ${(e as Error).message}`;
    }
  });
  expect(outcome).toBe('ConfigurationError configuration_error: Browser too old: no crypto.randomUUID (needs Safari 15.4+)');
  expect(page.url()).toBe(`${app.origin}/`);
  expect(idp.requests).toEqual([]);
});
