import { PublicClientApplication, clearMetadataCache } from '@tessera/core';
import { type DevAuthority, startDevAuthority } from '@tessera/dev-authority';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireTokenInteractive } from '../../src/index.js';
import { chromiumAvailable, launchChromium, signInAs, warnIfNoChromium } from '../support/chromium.js';
import { isRefused, redirectPort } from './net-probes.js';

// The whole interactive flow in a real (headless) Chromium (see ../support/chromium.ts).
warnIfNoChromium('the Chromium sign-in test');

describe.skipIf(!chromiumAvailable)('acquireTokenInteractive in Chromium', () => {
  let idp: DevAuthority;
  let browser: Browser;
  beforeAll(async () => {
    idp = await startDevAuthority();
    clearMetadataCache();
    browser = await launchChromium();
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
