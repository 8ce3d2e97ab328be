import { existsSync } from 'node:fs';
import { PublicClientApplication, clearMetadataCache } from '@tessera/core';
import { type DevAuthority, startDevAuthority } from '@tessera/dev-authority';
import { type Browser, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireTokenInteractive } from '../../src/index.js';
import { isRefused, redirectPort } from './net-probes.js';

// The whole interactive flow in a real (headless) Chromium: Debian's, since Playwright cannot
// download browsers here. Without it the test is skipped locally and fails in CI.
const CHROMIUM = '/usr/bin/chromium';
const available = existsSync(CHROMIUM) || Boolean(process.env.CI);
if (!available) console.warn(`Skipping the Chromium sign-in test: ${CHROMIUM} not found (apt-get install chromium, or run .ci/setup)`);

/** Plays the user on the dev authority's login and consent pages, up to our success page. */
async function signInAs(page: Page, url: string, username: string): Promise<void> {
  await page.goto(url);
  await page.fill('#login-form input[name="username"]', username);
  await page.fill('#login-form input[name="password"]', 'any-password');
  await page.click('#login-form button[type="submit"]');
  await page.click('#consent-form button[type="submit"]');
  await page.waitForURL(/^http:\/\/127\.0\.0\.1:\d+\/\?/);
  await page.getByRole('heading', { name: 'Signed in' }).waitFor();
}

describe.skipIf(!available)('acquireTokenInteractive in Chromium', () => {
  let idp: DevAuthority;
  let browser: Browser;
  beforeAll(async () => {
    idp = await startDevAuthority();
    clearMetadataCache();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await idp?.close();
  });

  it('signs in through the login and consent pages and the loopback redirect', async () => {
    const app = new PublicClientApplication({ clientId: idp.clients.native.clientId, authority: idp.issuer });
    const page = await browser.newPage();
    page.setDefaultTimeout(15_000);
    let port = 0;
    let driving: Promise<void> | undefined;
    const probes: Record<string, unknown> = {};

    const result = await acquireTokenInteractive(app, {
      scopes: ['api.read'],
      loginHint: 'chromium-user',
      openBrowser: async (url) => {
        port = redirectPort(url);
        // Bound to 127.0.0.1 only: another loopback address (which 0.0.0.0 would answer) is refused.
        probes.otherLoopbackRefused = await isRefused('127.0.0.2', port);
        // A favicon request is answered 404 and does not end the flow.
        probes.favicon = (await fetch(`http://127.0.0.1:${port}/favicon.ico`)).status;
        driving = signInAs(page, url, 'chromium-user');
        driving.catch(() => undefined); // awaited below; the flow may end first
      },
      timeoutMs: 20_000,
    });
    await driving;

    expect(probes).toEqual({ otherLoopbackRefused: true, favicon: 404 });
    expect(result.account?.username).toBe('chromium-user');
    expect(result.idTokenClaims?.sub).toBe('chromium-user');
    expect(result.scopes).toContain('api.read');
    expect(result.accessToken.length).toBeGreaterThan(10);
    expect(await page.getByRole('heading').textContent()).toBe('Signed in');
    expect(await isRefused('127.0.0.1', port)).toBe(true);
    await page.close();
  });
});
