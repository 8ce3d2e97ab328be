// One tab whose client keeps its cache in memory (no store shared between tabs) asks for two
// tokens at once, for two scopes: each needs a refresh. The refresh token rotates with reuse
// detection (the dev authority's default), so redeeming the same one twice would get the second
// call refused and the whole grant revoked: the user signed out by their own page. The refreshes
// must take turns, the second redeeming the token the first got.
import { expect, openSample, signInWithRedirect, test } from './support/e2e.js';

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
