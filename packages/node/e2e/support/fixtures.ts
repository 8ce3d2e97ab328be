// Playwright Test for the Node specs that drive Chromium: a dev authority per worker, Playwright's
// own `browser` and `page` (Debian's Chromium, see playwright.config.ts), and the user's part of
// signing in. Specs import the built packages (`pnpm build` first).
import { type Page, type Request, test as base, expect } from '@playwright/test';
import type { AuthenticationResult, PublicClientApplication } from '@tessera/core';
import { type DevAuthority, type DevAuthorityOptions, startDevAuthority } from '@tessera/dev-authority';
import { acquireTokenInteractive } from '@tessera/node';

/**
 * Playwright Test with `idp`: a dev authority shared by a worker's tests, in its default
 * configuration unless a spec sets `test.use({ idpOptions: {...} })`.
 */
export const test = base.extend<object, { idp: DevAuthority; idpOptions: DevAuthorityOptions }>({
  idpOptions: [{}, { scope: 'worker', option: true }],
  idp: [
    async ({ idpOptions }, use) => {
      const idp = await startDevAuthority(idpOptions);
      try {
        await use(idp);
      } finally {
        await idp.close();
      }
    },
    { scope: 'worker' },
  ],
});

export { expect };

/** Plays the user on the dev authority's login and consent pages, up to our success page. */
export async function signInAs(page: Page, url: string, username: string): Promise<void> {
  await page.goto(url);
  await finishSignIn(page, username);
}

/** The login and consent steps, on a page already at the provider's login page. */
export async function finishSignIn(page: Page, username: string): Promise<void> {
  await page.fill('#login-form input[name="username"]', username);
  await page.fill('#login-form input[name="password"]', 'any-password');
  await page.click('#login-form button[type="submit"]');
  await page.click('#consent-form button[type="submit"]');
  // The loopback redirect: a GET with the response in the query, or a form_post to `/`.
  await page.waitForURL(/^http:\/\/127\.0\.0\.1:\d+\/(\?|$)/);
  await page.getByRole('heading', { name: 'Signed in' }).waitFor();
}

/** Every request the page makes, to check what reached the provider and the loopback listener. */
export function recordRequests(page: Page): Request[] {
  const requests: Request[] = [];
  page.on('request', (request) => requests.push(request));
  return requests;
}

/**
 * acquireTokenInteractive (scope api.read) with Chromium as the user's browser, signing in as
 * `username`; gives the result and the loopback listener's port.
 */
export async function loopbackSignIn(app: PublicClientApplication, page: Page, username: string): Promise<{ result: AuthenticationResult; port: number }> {
  page.setDefaultTimeout(15_000);
  let port = 0;
  let driving: Promise<void> | undefined;
  const result = await acquireTokenInteractive(app, {
    scopes: ['api.read'],
    timeoutMs: 30_000,
    openBrowser: (url) => {
      port = Number(new URL(url).port);
      driving = signInAs(page, url, username);
      driving.catch(() => undefined);
    },
  });
  await driving;
  return { result, port };
}
