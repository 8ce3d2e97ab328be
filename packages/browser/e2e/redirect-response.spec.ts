// Which page loads handleRedirect() treats as a sign-in response, and whose: the app's own URL
// parameters, a response planted by another site, and a page shared by two clients (two apps of
// one origin returning to one redirect URI), and a provider answering in the part of the URL the
// sign-in did not ask for.
import type { Page } from '@playwright/test';
import { type DevAuthority, completeAuthorization } from '@tessera/dev-authority';
import { authorizationResponse, authorizeUrlOf, expect, openSample, storedSession, test, text } from './support/e2e.js';

/**
 * A redirect sign-in started with the sample's button (its flow stored in this tab), answered by the
 * dev authority in `mode` whatever the sample asked for: a provider that ignores `response_mode`.
 */
async function responseIn(page: Page, idp: DevAuthority, mode: 'query' | 'fragment', consent = true): Promise<URL> {
  const authorizeUrl = new URL(await authorizeUrlOf(page, idp, () => page.click('#login-redirect')));
  authorizeUrl.searchParams.set('response_mode', mode);
  return new URL((await completeAuthorization(authorizeUrl.href, { username: 'misplaced', consent })).redirectUrl);
}

/**
 * The page at `url` with the app's own history state, then handleRedirect of a new client of the
 * sample's id (it finds the tab's stored flow): its outcome, and the address bar and history after it.
 */
function handleRedirectAt(page: Page, idp: DevAuthority, url: string) {
  return page.evaluate(
    async ({ authority, url }) => {
      history.replaceState({ route: 'orders' }, '', url);
      const length = history.length;
      const Client = (window as unknown as { sample: { client: object } }).sample.client.constructor as new (options: object) => {
        handleRedirect(): Promise<{ account: { username: string } } | null>;
      };
      const client = new Client({ clientId: 'tessera-spa', authority, redirectUri: `${location.origin}/` });
      const outcome = await client.handleRedirect().then((r) => r?.account.username ?? null, (e: { code: string }) => e.code);
      return { outcome, href: location.href, state: history.state as unknown, entries: history.length - length, interactions: Object.keys(sessionStorage) };
    },
    { authority: idp.issuer, url },
  );
}

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

  for (const consent of [true, false]) {
    test(`a fragment sign-in answered in the query (${consent ? 'a code' : 'an error'}): still not read, and its parameters leave the address bar; the app's own stay`, async ({ idp, app, page }) => {
      await openSample(page, `${app.origin}/`);
      const response = await responseIn(page, idp, 'query', consent);
      expect(response.searchParams.get(consent ? 'code' : 'error')).toBeTruthy();
      const answered = `${app.origin}/?tab=2&${response.search.slice(1)}`;
      idp.clearRequests();
      const after = await handleRedirectAt(page, idp, answered);
      // Ignored as before (the flow asked for the fragment); only the app's own parameter stays, in the same history entry and state.
      expect(after).toEqual({ outcome: null, href: `${app.origin}/?tab=2`, state: { route: 'orders' }, entries: 0, interactions: [] });
      expect(idp.countRequests({ path: '/token' })).toBe(0);

      // A tab that started no sign-in leaves such a query alone: it may be the app's own.
      const other = await page.context().newPage();
      await openSample(other, answered);
      expect(other.url()).toBe(answered);
      expect(await text(other, '#error')).toBe('');
    });
  }

  test('a query sign-in answered in the fragment: still not read, and the fragment leaves the address bar; the app\'s own query stays', async ({ idp, app, page }) => {
    app.config.responseMode = 'query';
    try {
      await openSample(page, `${app.origin}/`);
      const response = await responseIn(page, idp, 'fragment');
      expect(new URLSearchParams(response.hash.slice(1)).get('code')).toBeTruthy();
      idp.clearRequests();
      const after = await handleRedirectAt(page, idp, `${app.origin}/?tab=2${response.hash}`);
      expect(after).toEqual({ outcome: null, href: `${app.origin}/?tab=2`, state: { route: 'orders' }, entries: 0, interactions: [] });
      expect(idp.countRequests({ path: '/token' })).toBe(0);
    } finally {
      app.config.responseMode = undefined;
    }
  });

  test('a fragment sign-in answered in the fragment on a page with the app\'s own ?state= and ?code=: signed in, the query untouched', async ({ idp, app, page }) => {
    await openSample(page, `${app.origin}/`);
    const response = await responseIn(page, idp, 'fragment');
    const after = await handleRedirectAt(page, idp, `${app.origin}/?state=CA&code=SUMMER24&tab=2${response.hash}`);
    expect(after).toEqual({ outcome: 'misplaced', href: `${app.origin}/?state=CA&code=SUMMER24&tab=2`, state: { route: 'orders' }, entries: 0, interactions: [] });
  });
});
