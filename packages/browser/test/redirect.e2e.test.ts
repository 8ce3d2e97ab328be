// Redirect sign-in with the bundled sample SPA in Chromium against the dev authority.
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
});
