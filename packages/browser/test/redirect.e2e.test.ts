// Redirect sign-in with the bundled sample SPA in Chromium against the dev authority.
import { completeAuthorization } from '@tessera/dev-authority';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { expectWorkingToken, openSample, signInAtAuthority, skipBrowserTests, storedSession, text, useE2E, waitUntilExpired } from './support/e2e.js';

// 306 s: a new token is usable from the cache for 6 s, then core (300 s margin) refreshes it.
describe.skipIf(skipBrowserTests)('redirect sign-in (bundled sample)', () => {
  const e2e = useE2E({ idp: { accessTokenTtl: 306 } });

  it('signs in, serves from the cache, survives a reload, refreshes after expiry, signs out', async () => {
    const { idp, app } = e2e;
    const page = await (await e2e.newContext()).newPage();
    await openSample(page, `${app.origin}/`);
    expect(await text(page, '#status')).toBe('Signed out');

    idp.clearRequests();
    await page.click('#login-redirect');
    await signInAtAuthority(page, idp, 'ada');
    await page.waitForSelector('body[data-ready="true"]');
    expect(await text(page, '#status')).toBe('Signed in as ada');
    expect(await text(page, '#error')).toBe('');
    const first = await text(page, '#token');
    expect(first.length).toBeGreaterThan(10);
    expect(await text(page, '#from-cache')).toBe('false');
    // The code and state are gone from the address bar, and nothing transient is left.
    expect(page.url()).toBe(`${app.origin}/`);
    expect(await page.evaluate(() => Object.keys(sessionStorage))).toEqual([]);
    expect(idp.countRequests({ grantType: 'authorization_code' })).toBe(1);
    expect(await storedSession(page)).toEqual({ accounts: 1, refreshTokens: 1 });
    await expectWorkingToken(idp, first);

    // Silent: a cache hit.
    await page.click('#get-token');
    await page.waitForFunction(() => document.querySelector('#from-cache')?.textContent === 'true');
    expect(await text(page, '#token')).toBe(first);

    // A reload keeps the session (IndexedDB) and still hits the cache.
    await openSample(page, `${app.origin}/`);
    expect(await text(page, '#status')).toBe('Signed in as ada');
    await page.click('#get-token');
    await page.waitForFunction(() => document.querySelector('#from-cache')?.textContent === 'true');
    expect(await text(page, '#token')).toBe(first);
    expect(idp.countRequests({ grantType: 'refresh_token' })).toBe(0);

    // After expiry the refresh token is used (and rotated).
    await waitUntilExpired(await text(page, '#expires'));
    await page.click('#get-token');
    await page.waitForFunction(() => document.querySelector('#from-cache')?.textContent === 'false');
    const refreshed = await text(page, '#token');
    expect(refreshed).not.toBe(first);
    expect(idp.countRequests({ grantType: 'refresh_token' })).toBe(1);
    await expectWorkingToken(idp, refreshed);

    // Sign-out: the cache is cleared, then the provider ends its session and sends the user back.
    await page.click('#logout');
    await page.waitForURL((url) => url.href.startsWith(`${idp.issuer}/session/end`));
    await page.click('button[name="logout"][value="yes"]');
    await page.waitForURL(`${app.origin}/`);
    await page.waitForSelector('body[data-ready="true"]');
    expect(await text(page, '#status')).toBe('Signed out');
    expect(await storedSession(page)).toEqual({ accounts: 0, refreshTokens: 0 });
  });

  /**
   * Starts a redirect sign-in in the page but stops the navigation to the provider, completes the
   * authorization over HTTP (the dev authority's driver), and returns the provider's redirect back.
   */
  async function authorizationResponse(page: Page): Promise<URL> {
    const { idp } = e2e;
    let authorizeUrl = '';
    await page.route(
      (url) => url.href.startsWith(`${idp.issuer}/auth?`),
      (route) => {
        authorizeUrl = route.request().url();
        return route.abort();
      },
    );
    await page.click('#login-redirect');
    await expect.poll(() => authorizeUrl).not.toBe('');
    await page.unrouteAll();
    const { redirectUrl } = await completeAuthorization(authorizeUrl, { username: 'mallory' });
    return new URL(redirectUrl);
  }

  for (const [param, value, code] of [
    ['state', 'forged-state', 'invalid_state'],
    ['iss', 'http://127.0.0.1:9/attacker', 'invalid_iss'],
  ] as const) {
    it(`refuses a response with a tampered ${param}: error shown, code not redeemed, nothing stored`, async () => {
      const { idp, app } = e2e;
      const page = await (await e2e.newContext()).newPage();
      await openSample(page, `${app.origin}/`);
      const response = await authorizationResponse(page);
      const params = new URLSearchParams(response.hash.slice(1));
      expect(params.get('code')).toBeTruthy();
      expect(params.get(param)).toBeTruthy();
      params.set(param, value);
      idp.clearRequests();

      await page.goto('about:blank'); // then a real page load, as the provider's redirect would be
      await openSample(page, `${app.origin}/#${params}`);
      expect(await page.locator('#error').getAttribute('data-code')).toBe(code);
      expect(await text(page, '#status')).toBe('Signed out');
      expect(idp.countRequests({ path: '/token' })).toBe(0);
      expect(await storedSession(page)).toEqual({ accounts: 0, refreshTokens: 0 });
      // The response left the address bar, and the interaction's transient state is gone.
      expect(page.url()).toBe(`${app.origin}/`);
      expect(await page.evaluate(() => Object.keys(sessionStorage))).toEqual([]);
    });
  }
});
