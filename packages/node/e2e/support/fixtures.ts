// Playwright Test for the Node specs that drive Chromium: a dev authority per worker, Playwright's
// own `browser` and `page` (Debian's Chromium, see playwright.config.ts), and the user's part of
// signing in. Specs import the built packages (`pnpm build` first).
import { type Page, type Request, test as base, expect } from '@playwright/test';
import { type DevAuthority, type DevAuthorityOptions, startDevAuthority } from '@tessera/dev-authority';

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
