// Popup sign-in with the bundled sample SPA in Chromium against the dev authority.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { expectWorkingToken, openSample, signInAtAuthority, skipBrowserTests, storedSession, text, useE2E } from './support/e2e.js';

type SampleWindow = { sample: { client: { loginPopup(): Promise<unknown> } } };

describe.skipIf(skipBrowserTests)('popup sign-in (bundled sample)', () => {
  const e2e = useE2E();

  async function openPopup(page: Page): Promise<Page> {
    const [popup] = await Promise.all([page.context().waitForEvent('page'), page.click('#login-popup')]);
    return popup;
  }

  it('signs in in a popup that returns to the redirect URI; the opener redeems the code once', async () => {
    const { idp, app } = e2e;
    const page = await (await e2e.newContext()).newPage();
    await openSample(page, `${app.origin}/`);
    idp.clearRequests();

    const popup = await openPopup(page);
    await signInAtAuthority(popup, idp, 'grace');
    await popup.waitForEvent('close');
    await page.waitForFunction(() => document.querySelector('#status')?.textContent === 'Signed in as grace');
    expect(await text(page, '#error')).toBe('');
    expect(await text(page, '#from-cache')).toBe('false');
    await expectWorkingToken(idp, await text(page, '#token'));
    expect(idp.countRequests({ grantType: 'authorization_code' })).toBe(1);
    expect(await storedSession(page)).toEqual({ accounts: 1, refreshTokens: 1 });
    expect(await page.evaluate(() => Object.keys(sessionStorage))).toEqual([]);
  });

  it('rejects with user_cancelled when the user closes the popup, and refuses a second interaction meanwhile', async () => {
    const { idp, app } = e2e;
    const page = await (await e2e.newContext()).newPage();
    await openSample(page, `${app.origin}/`);

    const popup = await openPopup(page);
    await popup.waitForURL((url) => url.href.startsWith(idp.issuer));
    // While the popup is open, another interaction in this tab is a typed error.
    const second = await page.evaluate(() =>
      (window as unknown as SampleWindow).sample.client.loginPopup().then(
        () => 'resolved',
        (error: { code: string }) => error.code,
      ),
    );
    expect(second).toBe('interaction_in_progress');

    await popup.close();
    await page.waitForFunction(() => document.querySelector('#error')?.getAttribute('data-code') === 'user_cancelled');
    expect(await text(page, '#status')).toBe('Signed out');
    expect(await storedSession(page)).toEqual({ accounts: 0, refreshTokens: 0 });
    // The cancelled interaction is over: a new one may start.
    expect(await page.evaluate(() => Object.keys(sessionStorage))).toEqual([]);
  });
});
