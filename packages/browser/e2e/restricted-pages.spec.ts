// Pages where the browser withholds an API sign-in needs, as users meet them: an http:// origin other
// than localhost (a LAN address while testing on a phone: no WebCrypto), and a browser that blocks
// site data ("block all cookies": sessionStorage and IndexedDB denied). The app still loads, and a
// sign-in fails with a typed error that says what to fix, not the browser's TypeError or
// SecurityError; the provider sees no request. Real Chromium, a real profile setting for the second.
// And a guard of the documented fallback without BroadcastChannel and Web Locks.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Page, chromium } from '@playwright/test';
import { expect, openSample, signInAtAuthority, test, text } from './support/e2e.js';

type SampleWindow = { sample: { client: Record<'loginRedirect' | 'loginPopup' | 'acquireTokenSilent', (r: object) => Promise<unknown>>; config: { scopes: string[] } } };

/** Each way the sample's client starts a call; resolves to the error's name, code and message. */
const outcomes = (page: Page) =>
  page.evaluate(async () => {
    const { client, config } = (window as unknown as SampleWindow).sample;
    const result: Record<string, unknown> = {};
    for (const method of ['loginRedirect', 'loginPopup', 'acquireTokenSilent'] as const) {
      result[method] = await client[method]({ scopes: config.scopes }).then(
        () => 'resolved',
        (e: Error & { code?: string }) => [e.name, e.code, e.message],
      );
    }
    return result;
  });

test('on an http:// origin other than localhost (no WebCrypto) the app loads; a sign-in is a ConfigurationError saying to serve it over https', async ({ idp, app, page }) => {
  // The sample, served as from a LAN host: Chromium routes the requests to the sample server.
  const lan = 'http://tessera-lan.test:8080';
  await page.route(`${lan}/**`, async (route) => {
    const { pathname, search } = new URL(route.request().url());
    await route.fulfill({ response: await route.fetch({ url: `${app.origin}${pathname}${search}` }) });
  });
  await openSample(page, `${lan}/`);
  expect(await page.evaluate(() => [isSecureContext, typeof crypto.subtle])).toEqual([false, 'undefined']);
  expect(await text(page, '#status')).toBe('Signed out');
  idp.clearRequests();

  const message = `No WebCrypto outside a secure context: serve ${lan} over https, or from localhost`;
  expect(await outcomes(page)).toEqual({
    loginRedirect: ['ConfigurationError', 'configuration_error', message],
    loginPopup: ['ConfigurationError', 'configuration_error', message],
    acquireTokenSilent: ['ConfigurationError', 'configuration_error', message],
  });
  expect(page.url()).toBe(`${lan}/`);
  expect(idp.requests).toEqual([]);
  // The interactions ended: a fixed deployment needs no reload to sign in.
  expect(await page.evaluate(() => Object.keys(sessionStorage))).toEqual([]);
});

test('with site data blocked ("block all cookies") the app loads; a sign-in is storage_unavailable saying what to allow', async ({ idp, app }, testInfo) => {
  // Chromium's own setting, in a profile of its own: sessionStorage and IndexedDB are then denied to every page.
  const profile = mkdtempSync(join(tmpdir(), 'tessera-blocked-site-data-'));
  mkdirSync(join(profile, 'Default'));
  writeFileSync(join(profile, 'Default', 'Preferences'), JSON.stringify({ profile: { default_content_setting_values: { cookies: 2 } } }));
  const context = await chromium.launchPersistentContext(profile, { ...testInfo.project.use.launchOptions, headless: true });
  try {
    const page = await context.newPage();
    const popups: Page[] = [];
    context.on('page', (p) => popups.push(p));
    await openSample(page, `${app.origin}/`);
    expect(await page.evaluate(() => {
      try {
        return typeof sessionStorage;
      } catch (e) {
        return (e as Error).name;
      }
    })).toBe('SecurityError');
    expect(await text(page, '#status')).toBe('Signed out');
    idp.clearRequests();

    const blocked = ['BrowserAuthError', 'storage_unavailable', `sessionStorage blocked or full: allow cookies and site data for ${app.origin}`];
    const seen = await outcomes(page);
    expect(seen).toMatchObject({ loginRedirect: blocked, loginPopup: blocked });
    // Nobody can be signed in: silent acquisition says so (the cache is in memory, and empty).
    expect(seen.acquireTokenSilent).toEqual(['InteractionRequiredError', 'no_account', expect.any(String)]);
    expect(popups).toEqual([]);
    expect(page.url()).toBe(`${app.origin}/`);
    expect(idp.requests).toEqual([]);

    // The sample's button shows the same error.
    await page.click('#login-redirect');
    await expect(page.locator('#error')).toHaveAttribute('data-code', 'storage_unavailable');
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
});

test('without BroadcastChannel and Web Locks (older browsers) tabs still share one session: sign-in, refresh and sign-out reach the other tab', async ({ idp, app, context }) => {
  // A guard of the README's fallback (it passed before browserfix7 too): the client checks for both APIs.
  await context.addInitScript(() => {
    delete (window as { BroadcastChannel?: unknown }).BroadcastChannel;
    Object.defineProperty(Navigator.prototype, 'locks', { get: () => undefined });
  });
  const tabA = await context.newPage();
  await openSample(tabA, `${app.origin}/`);
  expect(await tabA.evaluate(() => [typeof BroadcastChannel, typeof navigator.locks])).toEqual(['undefined', 'undefined']);
  await tabA.click('#login-redirect');
  await signInAtAuthority(tabA, idp, 'oldbrowser');
  await tabA.waitForSelector('body[data-ready="true"]');
  expect(await text(tabA, '#status')).toBe('Signed in as oldbrowser');

  const tabB = await context.newPage();
  await openSample(tabB, `${app.origin}/`);
  expect(await text(tabB, '#status')).toBe('Signed in as oldbrowser');
  type Silent = { sample: { client: { acquireTokenSilent(r: object): Promise<{ accessToken: string; fromCache: boolean }> } } };
  const silent = (tab: Page, forceRefresh: boolean) => tab.evaluate((forceRefresh) => (window as unknown as Silent).sample.client.acquireTokenSilent({ scopes: ['api.read'], forceRefresh }), forceRefresh);
  idp.clearRequests();
  const refreshed = await silent(tabB, true);
  expect(refreshed.fromCache).toBe(false);
  expect(idp.countRequests({ grantType: 'refresh_token' })).toBe(1);
  // Tab A reads the store before a silent call: it serves B's new token, no second refresh.
  expect(await silent(tabA, false)).toEqual(expect.objectContaining({ accessToken: refreshed.accessToken, fromCache: true }));
  expect(idp.countRequests({ grantType: 'refresh_token' })).toBe(1);

  // A sign-out in A (no message to B): B's next silent call reads the store first, finds the tokens
  // gone (B's memory still names the account) and sends no refresh; its getAccounts finds nobody.
  await tabA.evaluate(async () => {
    const { client } = (window as unknown as { sample: { client: { getAccounts(): Promise<object[]>; removeAccount(a: object): Promise<void> } } }).sample;
    await client.removeAccount((await client.getAccounts())[0]!);
  });
  idp.clearRequests();
  await tabB.click('#get-token');
  await expect(tabB.locator('#status')).toHaveText('Signed out');
  await expect(tabB.locator('#error')).toHaveAttribute('data-code', 'no_tokens_found');
  expect(idp.requests.filter((r) => r.path === '/token')).toEqual([]);
});
