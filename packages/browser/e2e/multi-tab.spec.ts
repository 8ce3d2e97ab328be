// Two tabs of one browser whose shared token expired refresh at the same moment: Web Locks let
// one refresh request through, and the other tab takes the new token from IndexedDB.
import type { BrowserContext, Page } from '@playwright/test';
import type { DevAuthority } from '@tessera/dev-authority';
import type { SampleServer } from '../sample/serve.mjs';
import { expect, expectWorkingToken, openSample, signInAtAuthority, storedCache, test, text, waitUntilExpired } from './support/e2e.js';

type SampleWindow = { sample: { client: { acquireTokenSilent(r: { scopes: string[]; forceRefresh?: boolean }): Promise<{ accessToken: string; fromCache: boolean }> } } };

// Short-lived tokens (16 s): fresh from the cache for 11 s after sign-in (core's margin is 10% of
// the lifetime, at least 5 s), then every tab needs a refresh.
const TTL = 16;
test.use({ idpOptions: { accessTokenTtl: TTL } });

test.describe('two tabs, one refresh', () => {
  // Both tabs are pages of the test's one browser context (one profile: shared IndexedDB).
  /** Signs `username` in with a redirect in tab A, then opens tab B, which finds the session. */
  async function twoSignedInTabs(context: BrowserContext, app: SampleServer, idp: DevAuthority, username: string): Promise<[Page, Page]> {
    const tabA = await context.newPage();
    await openSample(tabA, `${app.origin}/`);
    await tabA.click('#login-redirect');
    await signInAtAuthority(tabA, idp, username);
    await tabA.waitForSelector('body[data-ready="true"]');
    const tabB = await context.newPage();
    await openSample(tabB, `${app.origin}/`);
    expect(await text(tabB, '#status')).toBe(`Signed in as ${username}`);
    return [tabA, tabB];
  }

  test('makes exactly one refresh request at the provider, and both tabs get a working token', async ({ idp, app, context }) => {
    const [tabA, tabB] = await twoSignedInTabs(context, app, idp, 'barbara');
    const signedIn = await text(tabA, '#token');
    const rotatedBefore = Object.values((await storedCache(tabA))?.RefreshToken ?? {}).length;
    expect(rotatedBefore).toBe(1);

    await waitUntilExpired(await text(tabA, '#expires'), TTL);
    idp.clearRequests();
    const silent = () => (window as unknown as SampleWindow).sample.client.acquireTokenSilent({ scopes: ['api.read'] });
    const [a, b] = await Promise.all([tabA.evaluate(silent), tabB.evaluate(silent)]);

    expect(idp.countRequests({ grantType: 'refresh_token' })).toBe(1);
    expect(a.accessToken).toBe(b.accessToken);
    expect(a.accessToken).not.toBe(signedIn);
    expect([a.fromCache, b.fromCache].sort()).toEqual([false, true]);
    await expectWorkingToken(idp, a.accessToken);

    // The grant survived (no refresh-token reuse): the rotated refresh token still works.
    idp.clearRequests();
    const again = await tabB.evaluate(() =>
      (window as unknown as SampleWindow).sample.client.acquireTokenSilent({ scopes: ['api.read'], forceRefresh: true }),
    );
    expect(again.fromCache).toBe(false);
    expect(idp.countRequests({ grantType: 'refresh_token' })).toBe(1);
    await expectWorkingToken(idp, again.accessToken);
  });

  test('a sign-out in one tab while another tab refreshes stays signed out: the refresh cannot write the account back', async ({ idp, app, context }) => {
    const [tabA, tabB] = await twoSignedInTabs(context, app, idp, 'ken');
    // Tab B's refresh request is held at the provider's door until tab A has tried to sign out.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let arrived = false;
    await tabB.route(`${idp.issuer}/token`, async (route) => {
      arrived = true;
      await held;
      await route.continue();
    });
    const refreshed = tabB.evaluate(() =>
      (window as unknown as SampleWindow).sample.client.acquireTokenSilent({ scopes: ['api.read'], forceRefresh: true }).then((r) => r.fromCache),
    );
    await expect.poll(() => arrived).toBe(true);
    let signedOut = false;
    const signingOut = tabA
      .evaluate(async () => {
        const { client } = (window as unknown as { sample: { client: { getAccounts(): Promise<object[]>; removeAccount(a: object): Promise<void> } } }).sample;
        for (const account of await client.getAccounts()) await client.removeAccount(account);
      })
      .then(() => (signedOut = true));
    // The sign-out has finished, or waits for the refresh (a queued Web Lock): either way, let the refresh go on.
    await expect.poll(async () => signedOut || (await tabA.evaluate(async () => (await navigator.locks.query()).pending?.length ?? 0)) > 0).toBe(true);
    release();
    expect(await refreshed).toBe(false);
    await signingOut;

    expect(await storedCache(tabA).then((cache) => Object.keys(cache?.Account ?? {}).length + Object.keys(cache?.RefreshToken ?? {}).length)).toBe(0);
    await tabB.waitForFunction(() => document.querySelector('#status')?.textContent === 'Signed out');
    // A new tab (a reload) finds nobody signed in.
    const tabC = await context.newPage();
    await openSample(tabC, `${app.origin}/`);
    expect(await text(tabC, '#status')).toBe('Signed out');
  });

  test('signs out every tab when one tab signs out', async ({ idp, app, context }) => {
    const [tabA, tabB] = await twoSignedInTabs(context, app, idp, 'edsger');

    await tabA.click('#logout');
    // BroadcastChannel: tab B hears of the sign-out (accountRemoved) without a reload.
    await tabB.waitForFunction(() => document.querySelector('#status')?.textContent === 'Signed out');
  });
});
