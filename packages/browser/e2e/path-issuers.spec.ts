// Two issuers on one host (Keycloak realms /realms/a and /realms/b behind one front door), one app
// origin in Chromium: a page with a browser client of each (the same client id, as realms often
// register it), both signed in interactively by redirect as the same user (`sub` ada at both).
// Each client lists, serves and signs out only its own issuer's account and tokens; the shared
// IndexedDB cache keeps the other's. Popup sign-ins at both, at once, each in its own window.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import { type Page, test as base } from '@playwright/test';
import { type DevAuthority, type PathIssuers, startPathIssuers } from '@tessera/dev-authority';
import { buildBundles, expect, signInAtAuthority, storedCache } from './support/e2e.js';

const SCOPES = ['api.read'];
type Realm = 'a' | 'b';
type Entry = { home_account_id: string; realm?: string; secret?: string };

/** The app: one page importing the CDN file, with a client per issuer that handles redirects at every load. */
async function startTwoIssuerApp(cdnFile: string) {
  const config = { issuers: {} as Record<string, string> };
  const page = () => `<!DOCTYPE html><html><head><meta charset="utf-8"><title>two issuers</title></head><body>
<script type="module">
  import { browserPopup, createBrowserClient } from '/tessera-browser.min.js';
  const { issuers } = ${JSON.stringify(config).replaceAll('<', '\\u003c')};
  window.clients = {};
  window.redirects = {};
  for (const [name, authority] of Object.entries(issuers)) window.clients[name] = createBrowserClient({ clientId: 'tessera-spa', authority, scopes: ${JSON.stringify(SCOPES)}, popup: browserPopup });
  for (const [name, client] of Object.entries(window.clients)) {
    window.redirects[name] = await client.handleRedirect().then((r) => r && { sub: r.idTokenClaims.sub, iss: r.idTokenClaims.iss }, (e) => ({ error: e.code ?? e.name }));
  }
  document.body.dataset.ready = 'true';
</script></body></html>`;
  const server = createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/') res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(page());
    else if (path === '/tessera-browser.min.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(await readFile(cdnFile));
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    config,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

/** The issuers and the app's origin, once per worker. */
const test = base.extend<object, { servers: { realms: PathIssuers; appOrigin: string } }>({
  servers: [
    async ({}, use) => {
      const app = await startTwoIssuerApp((await buildBundles()).cdnFile);
      const realms = await startPathIssuers(['a', 'b'], { spaRedirectUris: [`${app.origin}/`] });
      app.config.issuers = { a: realms.authorities.a!.issuer, b: realms.authorities.b!.issuer };
      try {
        await use({ realms, appOrigin: app.origin });
      } finally {
        await Promise.all([app.close(), realms.close()]);
      }
    },
    { scope: 'worker', timeout: 120_000 },
  ],
});

type PageWindow = {
  clients: Record<Realm, {
    loginRedirect(r: object): Promise<void>;
    loginPopup(r: object): Promise<{ idTokenClaims: { sub: string; iss: string } }>;
    getAccounts(): Promise<Array<{ homeAccountId: string; tenantId: string; username: string; idTokenClaims?: { iss?: string } }>>;
    acquireTokenSilent(r: object): Promise<{ accessToken: string; fromCache: boolean; tenantId?: string; account?: { idTokenClaims?: { iss?: string; sub?: string } } }>;
    removeAccount(account: object): Promise<void>;
  }>;
  redirects: Record<Realm, unknown>;
  /** What each client's loginPopup gave (see startPopup). */
  popups: Partial<Record<Realm, Promise<unknown>>>;
};

async function openApp(page: Page, origin: string): Promise<void> {
  await page.goto(`${origin}/`);
  await page.waitForSelector('body[data-ready="true"]', { state: 'attached' });
}

/** Redirect sign-in of `realm`'s client; back on the app, what each client's handleRedirect gave. */
async function signIn(page: Page, realm: Realm, idp: DevAuthority, username: string): Promise<Record<Realm, unknown>> {
  // Not awaited in the page: the promise ends with the navigation.
  await page.evaluate((realm) => void (window as unknown as PageWindow).clients[realm].loginRedirect({}), realm);
  await signInAtAuthority(page, idp, username);
  await page.waitForURL((url) => url.pathname === '/' && !url.href.startsWith(idp.issuer));
  await page.waitForSelector('body[data-ready="true"]', { state: 'attached' });
  return page.evaluate(() => (window as unknown as PageWindow).redirects);
}

const accountsOf = (page: Page, realm: Realm) =>
  page.evaluate(async (realm) => (await (window as unknown as PageWindow).clients[realm].getAccounts()).map((a) => ({ id: `${a.homeAccountId} ${a.tenantId}`, iss: a.idTokenClaims?.iss })), realm);

const silent = (page: Page, realm: Realm, forceRefresh = false) =>
  page.evaluate(
    async ({ realm, forceRefresh }) => {
      const client = (window as unknown as PageWindow).clients[realm];
      const [account] = await client.getAccounts();
      const result = await client.acquireTokenSilent({ account, scopes: ['api.read'], forceRefresh });
      // The access token is opaque: the issuer is the result's realm and its account's ID token (and what userinfo says, below).
      const claims = result.account?.idTokenClaims;
      return { accessToken: result.accessToken, fromCache: result.fromCache, tenantId: result.tenantId, iss: claims?.iss, sub: claims?.sub };
    },
    { realm, forceRefresh },
  );

/** The stored cache's entries of `home` filed under `realm`, per section, by key. */
async function filedUnder(page: Page, home: string, realm: string): Promise<Record<string, Record<string, Entry>>> {
  const cache = (await storedCache(page)) as Record<string, Record<string, Entry>> | undefined;
  const sections = ['Account', 'IdToken', 'AccessToken', 'RefreshToken'];
  return Object.fromEntries(sections.map((s) => [s, Object.fromEntries(Object.entries(cache?.[s] ?? {}).filter(([, e]) => e.home_account_id === home && e.realm === realm))]));
}

/** The status of a userinfo request with `token` at `idp`: only the issuer that issued a token accepts it. */
const userinfoStatus = async (idp: DevAuthority, token: string) => (await fetch(`${idp.issuer}/me`, { headers: { authorization: `Bearer ${token}` } })).status;

test('two issuers on one host, one app: each client signs in by redirect, lists, serves and signs out only its own issuer', async ({ servers: { realms, appOrigin }, page, context }) => {
  const { a, b } = realms.authorities as Record<Realm, DevAuthority>;
  await openApp(page, appOrigin);

  // Each sign-in completes in its own client only (the other's handleRedirect leaves the response alone).
  expect(await signIn(page, 'a', a, 'ada')).toEqual({ a: { sub: 'ada', iss: a.issuer }, b: null });
  expect(await signIn(page, 'b', b, 'ada')).toEqual({ a: null, b: { sub: 'ada', iss: b.issuer } });
  expect(a.countRequests({ grantType: 'authorization_code' })).toBe(1);
  expect(b.countRequests({ grantType: 'authorization_code' })).toBe(1);
  // Each issuer's session cookie stays below its path: neither issuer's sign-in overwrote the other's.
  const sessions = (await context.cookies()).filter((c) => c.name === '_session' && c.domain === '127.0.0.1').map((c) => c.path);
  expect(sessions.sort()).toEqual(['/realms/a', '/realms/b']);

  // One cache (IndexedDB of the client id), the same subject filed under each issuer's realm.
  const ofA = await filedUnder(page, 'ada', 'realms/a');
  const ofB = await filedUnder(page, 'ada', 'realms/b');
  for (const filed of [ofA, ofB]) expect(Object.values(filed).map((entries) => Object.keys(entries).length)).toEqual([1, 1, 1, 1]);

  // Each client lists only its own issuer's account.
  expect(await accountsOf(page, 'a')).toEqual([{ id: 'ada realms/a', iss: a.issuer }]);
  expect(await accountsOf(page, 'b')).toEqual([{ id: 'ada realms/b', iss: b.issuer }]);

  // Silent: each from its own issuer's cached token, without a request to either issuer.
  a.clearRequests();
  b.clearRequests();
  const tokenA = await silent(page, 'a');
  const tokenB = await silent(page, 'b');
  expect(tokenA).toEqual({ accessToken: Object.values(ofA.AccessToken!)[0]!.secret, fromCache: true, tenantId: 'realms/a', iss: a.issuer, sub: 'ada' });
  expect(tokenB).toEqual({ accessToken: Object.values(ofB.AccessToken!)[0]!.secret, fromCache: true, tenantId: 'realms/b', iss: b.issuer, sub: 'ada' });
  expect([a.requests, b.requests]).toEqual([[], []]);
  // And each token is its issuer's: accepted there, refused by the other realm.
  expect([await userinfoStatus(a, tokenA.accessToken), await userinfoStatus(b, tokenA.accessToken)]).toEqual([200, 401]);
  expect([await userinfoStatus(b, tokenB.accessToken), await userinfoStatus(a, tokenB.accessToken)]).toEqual([200, 401]);

  // Sign-out at a (in this app only: no request to either issuer): a's entries leave IndexedDB, b's stay as they were.
  a.clearRequests();
  b.clearRequests();
  await page.evaluate(async () => {
    const { a } = (window as unknown as PageWindow).clients;
    const [account] = await a.getAccounts();
    await a.removeAccount(account!);
  });
  expect(await filedUnder(page, 'ada', 'realms/a')).toEqual({ Account: {}, IdToken: {}, AccessToken: {}, RefreshToken: {} });
  expect(await filedUnder(page, 'ada', 'realms/b')).toEqual(ofB);

  // After a reload (fresh clients reading IndexedDB): a lists nobody, b still serves ada from its cache, then refreshes at b.
  await openApp(page, appOrigin);
  expect(await accountsOf(page, 'a')).toEqual([]);
  expect(await accountsOf(page, 'b')).toEqual([{ id: 'ada realms/b', iss: b.issuer }]);
  expect(await silent(page, 'b')).toEqual(tokenB);
  const refreshed = await silent(page, 'b', true);
  expect(refreshed).toMatchObject({ fromCache: false, tenantId: 'realms/b', iss: b.issuer, sub: 'ada' });
  expect(await userinfoStatus(b, refreshed.accessToken)).toBe(200);
  expect(b.requests.filter((r) => r.path === '/token').map((r) => r.grantType)).toEqual(['refresh_token']);
  expect(a.requests).toEqual([]);
});

/** Starts `realm`'s popup sign-in (its outcome kept in the page); resolves with the popup once it shows the issuer's page. */
async function startPopup(page: Page, realm: Realm, idp: DevAuthority): Promise<Page> {
  const [popup] = await Promise.all([
    // A popup that replaced another's window opens no page: then this times out.
    page.context().waitForEvent('page', { timeout: 15_000 }),
    page.evaluate((realm) => {
      const w = window as unknown as PageWindow;
      w.popups ??= {};
      w.popups[realm] = w.clients[realm].loginPopup({}).then(
        (r) => ({ sub: r.idTokenClaims.sub, iss: r.idTokenClaims.iss }),
        (e: { code?: string; name: string }) => ({ error: e.code ?? e.name }),
      );
    }, realm),
  ]);
  await popup.waitForURL((url) => url.href.startsWith(idp.issuer));
  return popup;
}

test("two issuers on one host, one app: popup sign-ins at both, b's started while a's popup is open, each complete in its own window and client", async ({ servers: { realms, appOrigin }, page }) => {
  const { a, b } = realms.authorities as Record<Realm, DevAuthority>;
  await openApp(page, appOrigin);
  a.clearRequests();
  b.clearRequests();

  const popupA = await startPopup(page, 'a', a);
  const popupB = await startPopup(page, 'b', b);
  // Two windows: a's still shows a's sign-in, each under its client's own name.
  expect(popupA.isClosed()).toBe(false);
  expect(popupA.url().startsWith(a.issuer)).toBe(true);
  const names = await Promise.all([popupA, popupB].map((popup) => popup.evaluate(() => window.name)));
  expect(names[0]).not.toBe(names[1]);

  // b's user signs in first, then a's; each popup returns to the app page (whose two clients leave it alone) and closes.
  for (const [popup, idp, username] of [[popupB, b, 'bob'], [popupA, a, 'grace']] as const) {
    const closed = popup.waitForEvent('close');
    await signInAtAuthority(popup, idp, username);
    await closed;
  }
  const outcomes = await page.evaluate(async () => {
    const { popups } = window as unknown as PageWindow;
    return { a: await popups.a, b: await popups.b };
  });
  expect(outcomes).toEqual({ a: { sub: 'grace', iss: a.issuer }, b: { sub: 'bob', iss: b.issuer } });
  // Each code was redeemed once, at its own issuer.
  expect(a.countRequests({ grantType: 'authorization_code' })).toBe(1);
  expect(b.countRequests({ grantType: 'authorization_code' })).toBe(1);
  // Each client ends with its own account, and no interaction is left.
  expect(await accountsOf(page, 'a')).toEqual([{ id: 'grace realms/a', iss: a.issuer }]);
  expect(await accountsOf(page, 'b')).toEqual([{ id: 'bob realms/b', iss: b.issuer }]);
  expect(await page.evaluate(() => Object.keys(sessionStorage))).toEqual([]);

  // The app page in a popup window (by a's window name) with a response in its URL: neither client
  // there reads or removes it (the opener does), b's no more than a's.
  const response = `${appOrigin}/#code=c&state=s`;
  const [inPopup] = await Promise.all([page.context().waitForEvent('page'), page.evaluate(([url, name]) => void window.open(url, name), [response, names[0]!])]);
  await inPopup.waitForSelector('body[data-ready="true"]', { state: 'attached' });
  expect(await inPopup.evaluate(() => [(window as unknown as PageWindow).redirects, location.href])).toEqual([{ a: null, b: null }, response]);
});
