// Which page loads handleRedirect() treats as a sign-in response, and whose: the app's own URL
// parameters, a response planted by another site, and a page shared by two clients (two apps of
// one origin returning to one redirect URI).
import { authorizationResponse, expect, openSample, storedSession, test, text } from './support/e2e.js';

test.describe('handleRedirect: which response is whose', () => {
  test('leaves the app\'s own ?state=, ?code= and ?error= alone when responses come in the fragment', async ({ idp, app, page }) => {
    // The default redirect URI is every page of the app, and the default response mode the fragment.
    const own = `${app.origin}/?state=CA&code=SUMMER24&error=none&tab=2`;
    idp.clearRequests();
    await openSample(page, own);
    expect(await text(page, '#error')).toBe('');
    expect(page.url()).toBe(own);
    expect(idp.countRequests({ path: '/token' })).toBe(0);

    // A response in the fragment is still taken for one, and refused: this tab started no sign-in
    // (login CSRF: another site's link carrying a code for the attacker's account).
    const planted = await page.context().newPage();
    await openSample(planted, `${app.origin}/`);
    const forged = await authorizationResponse(planted, idp, 'mallory');
    const victim = await page.context().newPage();
    await openSample(victim, `${app.origin}/?tab=2${forged.hash}`);
    expect(await victim.locator('#error').getAttribute('data-code')).toBe('invalid_state');
    expect(await text(victim, '#status')).toBe('Signed out');
    expect(victim.url()).toBe(`${app.origin}/?tab=2`);
    expect(idp.countRequests({ path: '/token' })).toBe(0);
    expect(await storedSession(victim)).toEqual({ accounts: 0, refreshTokens: 0 });
  });

  test('a page with two clients: the response of one is left to it by the other, whichever runs first', async ({ idp, app, page }) => {
    await openSample(page, `${app.origin}/`);
    const response = await authorizationResponse(page, idp, 'ada');
    idp.clearRequests();
    // The page as the provider's redirect leaves it (the sign-in's entry is in sessionStorage), with
    // a second app's client beside the sample's; the other app's handleRedirect runs first.
    const outcomes = await page.evaluate(
      async ({ authority, hash }) => {
        history.replaceState(null, '', hash);
        const Client = (window as unknown as { sample: { client: object } }).sample.client.constructor as new (options: object) => {
          handleRedirect(): Promise<{ account: { username: string } } | null>;
        };
        const options = { authority, redirectUri: `${location.origin}/` };
        const other = new Client({ ...options, clientId: 'other-app' });
        const sample = new Client({ ...options, clientId: 'tessera-spa' });
        const outcome = (client: InstanceType<typeof Client>) => client.handleRedirect().then((r) => r?.account.username ?? null, (e: { code: string }) => e.code);
        const results = [outcome(other), outcome(sample)];
        return { other: await results[0], sample: await results[1], url: location.href };
      },
      { authority: idp.issuer, hash: response.hash },
    );
    expect(outcomes).toEqual({ other: null, sample: 'ada', url: `${app.origin}/` });
    expect(idp.countRequests({ grantType: 'authorization_code' })).toBe(1);
    expect(await page.evaluate(() => Object.keys(sessionStorage))).toEqual([]);
  });
});
