// The back-forward cache (bfcache): pages of the bundled sample left and returned to with the
// browser's Back button, in Chromium with its bfcache on (Playwright turns it off by default).
//
// What Chromium does, as these tests pin: a page with Tessera's open BroadcastChannel and IndexedDB
// connection enters the bfcache and comes back from it; a message on the channel while it is there
// (another tab's sign-in, refresh or sign-out) evicts it (notRestoredReasons
// `broadcastchannel-message`), and so does another tab asking for a Web Lock it holds
// (`weblocks-contention`): Back then loads it afresh, and it reads the shared store. A restored page
// thus missed no change another tab announced.
// (A page served `cache-control: no-store` that has fetched tokens, whose answers are no-store
// too, is not kept at all: `response-cache-control-no-store-with-js-network-request`. The sample
// server answers `no-cache` here, as SPA hosts serve their index pages.)
import type { BrowserContext, Page } from '@playwright/test';
import type { DevAuthority } from '@tessera/dev-authority';
import { expect, expectWorkingToken, openSample, signInAtAuthority, storedSession, test as base, text, tokenRequests } from './support/e2e.js';

base.use({ cacheControl: 'no-cache' });
// The configuration's browser (its flags kept) without Playwright's --disable-back-forward-cache.
const test = base.extend({
  launchOptions: [async ({ launchOptions }, use) => use({ ...launchOptions, ignoreDefaultArgs: ['--disable-back-forward-cache'] }), { scope: 'worker' }],
});

type Account = { homeAccountId: string; username: string };
type Result = { accessToken: string; fromCache: boolean; account: Account; idTokenClaims?: Record<string, unknown> };
type SampleClient = {
  getAccounts(): Promise<Account[]>;
  removeAccount(account: Account): Promise<void>;
  acquireTokenSilent(request: { scopes: string[]; account?: Account; forceRefresh?: boolean }): Promise<Result>;
  handleRedirect(): Promise<Result | null>;
};
type SampleWindow = { sample: { client: SampleClient }; pageEvents: string[] };

/** Every document of the context records its pageshow and pagehide events (with `persisted`). */
async function recordPageEvents(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const events: string[] = ((window as unknown as SampleWindow).pageEvents = []);
    for (const type of ['pageshow', 'pagehide']) addEventListener(type, (e) => events.push(`${type}:${(e as PageTransitionEvent).persisted}`));
  });
}

/**
 * Goes Back to the sample page; resolves to whether the page came back from the bfcache (a
 * `pageshow` with `persisted` in the document that left) and, if not, Chromium's reasons.
 */
async function back(page: Page): Promise<{ restored: boolean; reasons: string[] }> {
  await page.goBack({ waitUntil: 'commit' }); // a restored page fires no load event
  await page.waitForFunction(() => (window as unknown as SampleWindow).pageEvents?.at(-1)?.startsWith('pageshow') && document.body.dataset.ready === 'true');
  return page.evaluate(() => {
    const events = (window as unknown as SampleWindow).pageEvents;
    const entry = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming & { notRestoredReasons?: { reasons?: { reason: string }[] } | null };
    const restored = events.join() === 'pageshow:false,pagehide:true,pageshow:true';
    return { restored, reasons: restored ? [] : (entry.notRestoredReasons?.reasons ?? []).map((r) => r.reason) };
  });
}

/** A silent call's outcome in the page: the token and whose it is, or the error's code. */
const silent = (page: Page, request: { account?: Account; forceRefresh?: boolean } = {}) =>
  page.evaluate(
    (request) =>
      (window as unknown as SampleWindow).sample.client.acquireTokenSilent({ scopes: ['api.read'], ...request }).then(
        ({ accessToken, fromCache, account }) => ({ accessToken, fromCache, username: account.username, error: undefined }),
        (error: { code?: string }) => ({ accessToken: undefined, fromCache: undefined, username: undefined, error: error.code }),
      ),
    request,
  );

/** The usernames of getAccounts() in the page. */
const usernames = (page: Page) => page.evaluate(async () => (await (window as unknown as SampleWindow).sample.client.getAccounts()).map((a) => a.username));

/** Signs `username` in with the sample's redirect button; resolves to the redirect's result. */
async function signIn(page: Page, idp: DevAuthority, username: string): Promise<Result> {
  // Off to the provider, or refused at once (interaction_in_progress): no waiting out the test's timeout.
  const left = page.waitForURL((url) => url.href.startsWith(idp.issuer)).then(() => 'left', () => '');
  const refused = page.waitForSelector('#error[data-code]').then((error) => error.getAttribute('data-code'), () => '');
  await page.click('#login-redirect');
  expect(await Promise.race([left, refused])).toBe('left');
  await signInAtAuthority(page, idp, username);
  await page.waitForSelector('body[data-ready="true"]');
  expect(await text(page, '#error')).toBe('');
  return (await page.evaluate(() => (window as unknown as SampleWindow).sample.client.handleRedirect()))!;
}

/**
 * Tab A signs `username` in and leaves for another page of the origin (the sample page goes into
 * the bfcache); tab B, the sample in the same browser, finds the session. Resolves to tab B, A's
 * account and A's token.
 */
async function leftSignedIn(context: BrowserContext, page: Page, app: { origin: string }, idp: DevAuthority, username: string) {
  await recordPageEvents(context);
  await openSample(page, `${app.origin}/`);
  const { account, accessToken } = await signIn(page, idp, username);
  await page.goto(`${app.origin}/elsewhere`);
  const tabB = await context.newPage();
  await openSample(tabB, `${app.origin}/`);
  expect(await text(tabB, '#status')).toBe(`Signed in as ${username}`);
  idp.clearRequests();
  return { tabB, account, accessToken };
}

/** Every account signed out in the page. */
const signOutAll = (page: Page) =>
  page.evaluate(async () => {
    const { client } = (window as unknown as SampleWindow).sample;
    for (const account of await client.getAccounts()) await client.removeAccount(account);
  });

test.describe('back-forward cache', () => {
  test('Back from the sign-in page restores the page from the bfcache; a new loginRedirect is allowed and completes', async ({ idp, app, context, page }) => {
    await recordPageEvents(context);
    await openSample(page, `${app.origin}/`);
    idp.clearRequests();
    await page.click('#login-redirect');
    await page.waitForURL((url) => url.href.startsWith(idp.issuer));

    expect(await back(page)).toEqual({ restored: true, reasons: [] });
    // The abandoned sign-in's flow is still in the tab: the page never loaded again to clear it.
    const stale = await page.evaluate(
      (issuer) => JSON.parse(sessionStorage.getItem(`tessera.interaction.tessera-spa ${issuer}`) ?? 'null')?.flow as { state: string; nonce: string } | undefined,
      idp.issuer,
    );
    expect(stale?.state).toBeTruthy();
    expect(await text(page, '#status')).toBe('Signed out');

    // A new sign-in: no interaction_in_progress, a new flow, completed with its own PKCE verifier and nonce.
    const result = await signIn(page, idp, 'grace');
    expect(await text(page, '#status')).toBe('Signed in as grace');
    expect(idp.requests.filter((r) => r.path === '/auth')).toHaveLength(2);
    const redeemed = tokenRequests(idp, 'authorization_code');
    expect(redeemed.map((r) => r.status)).toEqual([200]);
    expect(result.idTokenClaims).toMatchObject({ iss: idp.issuer, aud: 'tessera-spa', sub: 'grace', preferred_username: 'grace' });
    expect(result.idTokenClaims?.nonce).not.toBe(stale?.nonce);
    expect(result.account.username).toBe('grace');
    await expectWorkingToken(idp, result.accessToken);
    expect(await page.evaluate(() => Object.keys(sessionStorage))).toEqual([]);
    expect(await storedSession(page)).toEqual({ accounts: 1, refreshTokens: 1 });
  });

  test('after Back from the sign-in page, a popup sign-in claims the tab: a second interaction meanwhile is refused; the popup completes', async ({ idp, app, context, page }) => {
    await recordPageEvents(context);
    await openSample(page, `${app.origin}/`);
    await page.click('#login-redirect');
    await page.waitForURL((url) => url.href.startsWith(idp.issuer));
    expect(await back(page)).toEqual({ restored: true, reasons: [] });
    idp.clearRequests();

    const [popup] = await Promise.all([context.waitForEvent('page'), page.click('#login-popup')]);
    await popup.waitForURL((url) => url.href.startsWith(idp.issuer));
    // Refused at once (synchronously, in the call), as in a page without an abandoned redirect (popup.spec.ts).
    const second = await page.evaluate(async () => {
      let outcome = 'not refused';
      (window as unknown as { sample: { client: { loginPopup(): Promise<unknown> } } }).sample.client.loginPopup().catch((error: { code: string }) => (outcome = error.code));
      await new Promise((resolve) => setTimeout(resolve));
      return outcome;
    });
    expect(second).toBe('interaction_in_progress');

    const closed = popup.waitForEvent('close');
    await signInAtAuthority(popup, idp, 'grace');
    await closed;
    await page.waitForFunction(() => document.querySelector('#status')?.textContent === 'Signed in as grace');
    expect(await text(page, '#error')).toBe('');
    expect(idp.requests.filter((r) => r.path === '/auth')).toHaveLength(1);
    expect(tokenRequests(idp, 'authorization_code').map((r) => r.status)).toEqual([200]);
    await expectWorkingToken(idp, await text(page, '#token'));
    expect(await page.evaluate(() => Object.keys(sessionStorage))).toEqual([]);
  });

  // Chromium evicts a page whose BroadcastChannel gets a message while in the bfcache: Back loads it again, and it reads the store.
  test('a sign-out in another tab while the page is in the bfcache: Back loads it again, signed out; nothing of the account is served', async ({ idp, app, context, page }) => {
    const { tabB, account } = await leftSignedIn(context, page, app, idp, 'ann');
    await signOutAll(tabB);
    expect(await storedSession(tabB)).toEqual({ accounts: 0, refreshTokens: 0 });

    expect(await back(page)).toEqual({ restored: false, reasons: ['broadcastchannel-message'] });
    expect(await text(page, '#status')).toBe('Signed out');
    expect(await usernames(page)).toEqual([]);
    expect(await silent(page)).toMatchObject({ error: 'no_account' });
    // Named, the removed account finds no token (and its refresh token is not spent).
    expect(await silent(page, { account })).toMatchObject({ error: 'no_tokens_found' });
    expect(idp.requests.filter((r) => r.path === '/token')).toEqual([]);
  });

  test('another tab signs the user out and another user in while the page is in the bfcache: Back loads it again with the new user only', async ({ idp, app, context, page }) => {
    const { tabB, account } = await leftSignedIn(context, page, app, idp, 'ann');
    await signOutAll(tabB);
    // The provider still has ann's session: ask for the login form.
    await tabB.evaluate(() => void (window as unknown as { sample: { client: { loginRedirect(r: object): Promise<void> } } }).sample.client.loginRedirect({ scopes: ['api.read'], prompt: 'login' }));
    await signInAtAuthority(tabB, idp, 'bob');
    await tabB.waitForSelector('body[data-ready="true"]');
    expect(await text(tabB, '#status')).toBe('Signed in as bob');
    const bobs = await text(tabB, '#token');

    expect(await back(page)).toEqual({ restored: false, reasons: ['broadcastchannel-message'] });
    expect(await text(page, '#status')).toBe('Signed in as bob');
    expect(await usernames(page)).toEqual(['bob']);
    expect(await silent(page)).toEqual({ accessToken: bobs, fromCache: true, username: 'bob', error: undefined });
    expect(await silent(page, { account })).toMatchObject({ error: 'no_tokens_found' });
    expect(tokenRequests(idp, 'refresh_token')).toEqual([]);
    expect(await storedSession(page)).toEqual({ accounts: 1, refreshTokens: 1 });
  });

  test('a refresh in another tab while the page is in the bfcache: Back loads it again with the new tokens; the rotated-away refresh token is not spent', async ({ idp, app, context, page }) => {
    const { tabB, accessToken } = await leftSignedIn(context, page, app, idp, 'ann');
    const refreshed = await silent(tabB, { forceRefresh: true });
    expect(refreshed).toMatchObject({ fromCache: false, username: 'ann' });
    expect(refreshed.accessToken).not.toBe(accessToken);

    expect(await back(page)).toEqual({ restored: false, reasons: ['broadcastchannel-message'] });
    expect(await silent(page)).toEqual({ ...refreshed, fromCache: true });
    // A refresh of its own redeems the rotated refresh token: the provider accepts it (the old one would revoke the grant).
    const again = await silent(page, { forceRefresh: true });
    expect(again).toMatchObject({ fromCache: false, username: 'ann' });
    expect(tokenRequests(idp, 'refresh_token').map((r) => r.status)).toEqual([200, 200]);
    await expectWorkingToken(idp, again.accessToken!);
  });

  // The control: an open BroadcastChannel and IndexedDB connection keep no page out of the bfcache.
  test('a tab that only reads leaves the page in the bfcache; restored, it serves its tokens and still hears other tabs', async ({ idp, app, context, page }) => {
    const { tabB, accessToken } = await leftSignedIn(context, page, app, idp, 'ann');
    expect(await silent(tabB)).toEqual({ accessToken, fromCache: true, username: 'ann', error: undefined });

    expect(await back(page)).toEqual({ restored: true, reasons: [] });
    expect(await silent(page)).toEqual({ accessToken, fromCache: true, username: 'ann', error: undefined });
    // Its channel works after the restore: a sign-out in tab B reaches it.
    await signOutAll(tabB);
    await page.waitForFunction(() => document.querySelector('#status')?.textContent === 'Signed out');
    expect(await silent(page)).toMatchObject({ error: 'no_account' });
    expect(idp.requests.filter((r) => r.path === '/token')).toEqual([]);
  });

  // Chromium keeps a page that holds a Web Lock in the bfcache, and evicts it when another tab asks for the lock.
  test('a page that leaves mid-refresh, holding the refresh lock, does not hold up another tab\'s refresh; Back loads it again with that tab\'s tokens', async ({ idp, app, context, page }) => {
    const { tabB } = await leftSignedIn(context, page, app, idp, 'ann');
    expect(await back(page)).toEqual({ restored: true, reasons: [] });
    // Tab A's refresh request never gets an answer (nor reaches the provider): A leaves while holding the lock.
    let sent = false;
    await page.route(`${idp.issuer}/token`, () => void (sent = true));
    await page.evaluate(() => void (window as unknown as SampleWindow).sample.client.acquireTokenSilent({ scopes: ['api.read'], forceRefresh: true }).catch(() => {}));
    await expect.poll(() => sent).toBe(true);
    expect(await page.evaluate(async () => (await navigator.locks.query()).held?.map((lock) => lock.name))).toEqual(['tessera-refresh-tessera-spa-ann']);
    await page.goto(`${app.origin}/elsewhere`);

    const refreshed = await silent(tabB, { forceRefresh: true });
    expect(refreshed).toMatchObject({ fromCache: false, username: 'ann' });
    expect(tokenRequests(idp, 'refresh_token').map((r) => r.status)).toEqual([200]);

    expect(await back(page)).toEqual({ restored: false, reasons: ['weblocks-contention'] });
    expect(await silent(page)).toEqual({ ...refreshed, fromCache: true });
  });
});
