// Refreshes of one tab under the account's Web Lock. A client that keeps its cache in memory (no
// store shared between tabs) asks for two tokens at once, for two scopes: each needs a refresh.
// The refresh token rotates with reuse detection (the dev authority's default), so redeeming the
// same one twice would get the second call refused and the whole grant revoked: the user signed
// out by their own page. The refreshes must take turns, the second redeeming the token the first
// got. And a sign-out made while a refresh is at the provider must not be undone by its answer.
import { expect, openSample, signInWithRedirect, storedCache, test } from './support/e2e.js';

type SampleWindow = { sample: { client: { acquireTokenSilent(r: { scopes: string[]; forceRefresh?: boolean }): Promise<{ accessToken: string; fromCache: boolean }> } } };

// The token endpoint answers slowly, so the two refreshes overlap whatever the timing.
test.use({ idpOptions: { tokenEndpointDelayMs: 300 } });

test('a memory-cache client makes concurrent refreshes take turns: both succeed and the grant survives', async ({ idp, app, page }) => {
  app.config.cache = 'memory';
  app.config.scopes = ['api.read', 'api.write'];
  try {
    await openSample(page, `${app.origin}/`);
    await signInWithRedirect(page, idp, 'turns');
    idp.clearRequests();
    const outcomes = await page.evaluate(() => {
      const { client } = (window as unknown as SampleWindow).sample;
      const silent = (scope: string) =>
        client.acquireTokenSilent({ scopes: [scope], forceRefresh: true }).then(
          (r) => (r.fromCache ? 'cached' : 'refreshed'),
          (e: Error & { code?: string }) => `${e.code}: ${e.message}`,
        );
      return Promise.all([silent('api.read'), silent('api.write')]);
    });
    expect(outcomes).toEqual(['refreshed', 'refreshed']);
    const refreshes = idp.requests.filter((r) => r.path === '/token' && r.grantType === 'refresh_token');
    expect(refreshes.map((r) => [r.status, r.error])).toEqual([
      [200, undefined],
      [200, undefined],
    ]);
    // The grant was not revoked: the refresh token rotated last still works.
    const again = await page.evaluate(() => (window as unknown as SampleWindow).sample.client.acquireTokenSilent({ scopes: ['api.read'], forceRefresh: true }).then((r) => r.fromCache));
    expect(again).toBe(false);
  } finally {
    app.config.cache = undefined;
    app.config.scopes = ['api.read'];
  }
});

type SignOutWindow = {
  sample: { client: { acquireTokenSilent(r: { scopes: string[]; forceRefresh?: boolean }): Promise<unknown>; getAccounts(): Promise<unknown[]>; removeAccount(a: unknown): Promise<void> } };
  refreshing?: Promise<string>;
  removal?: Promise<void>;
  removed?: boolean;
};

// The user signs out while a refresh is at the provider (a slow network holds its answer): the
// sign-out must not be undone by that answer, in this tab or in the IndexedDB every tab reads.
test('a sign-out while a refresh is at the provider stays a sign-out', async ({ idp, app, page }) => {
  await openSample(page, `${app.origin}/`);
  await signInWithRedirect(page, idp, 'leaver');
  let held!: () => void;
  const answerHeld = new Promise<void>((resolve) => (held = resolve));
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  await page.route(`${idp.issuer}/token`, async (route) => {
    // The provider answers (and rotates); the page hears back only when the test says so.
    const response = await route.fetch();
    held();
    await released;
    await route.fulfill({ response });
  });
  await page.evaluate(() => {
    const w = window as unknown as SignOutWindow;
    w.refreshing = w.sample.client.acquireTokenSilent({ scopes: ['api.read'], forceRefresh: true }).then(
      () => 'refreshed',
      (e: Error) => String(e),
    );
  });
  await answerHeld;
  await page.evaluate(async () => {
    const w = window as unknown as SignOutWindow;
    const [account] = await w.sample.client.getAccounts();
    w.removal = w.sample.client.removeAccount(account).then(() => void (w.removed = true));
  });
  // The sign-out has run, or waits for the refresh (its Web Lock request is queued): only then
  // does the refresh's answer arrive.
  await page.waitForFunction(async () => (window as unknown as SignOutWindow).removed || !!(await navigator.locks.query()).pending?.some((l) => l.name?.startsWith('tessera-refresh-')));
  release();
  expect(await page.evaluate(() => (window as unknown as SignOutWindow).refreshing)).toBe('refreshed');
  await page.evaluate(() => (window as unknown as SignOutWindow).removal);
  expect(await page.evaluate(() => (window as unknown as SignOutWindow).sample.client.getAccounts())).toEqual([]);
  const stored = await storedCache(page);
  expect(Object.keys(stored?.RefreshToken ?? {})).toEqual([]);
  expect(Object.keys(stored?.Account ?? {})).toEqual([]);
  await page.unroute(`${idp.issuer}/token`);
});
