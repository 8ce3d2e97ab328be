// The whole interactive flow of @tessera/node (built dist) in a real (headless) Chromium.
import { PublicClientApplication, clearMetadataCache } from '@tessera/core';
import { acquireTokenInteractive } from '@tessera/node';
import { isRefused, redirectPort } from '../test/interactive/net-probes.js';
import { expect, signInAs, test } from './support/fixtures.js';

test.describe('acquireTokenInteractive in Chromium', () => {
  test.beforeAll(() => clearMetadataCache());

  test('signs in through the login and consent pages and the loopback redirect', async ({ idp, page }) => {
    const app = new PublicClientApplication({ clientId: idp.clients.native.clientId, authority: idp.issuer });
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
  });
});
