// Playwright Test for the Node specs that drive Chromium: a dev authority per worker, Playwright's
// own `browser` and `page` (Debian's Chromium, see playwright.config.ts), and the user's part of
// signing in. Specs import the built packages (`pnpm build` first).
import { type Page, test as base, expect } from '@playwright/test';
import { type DevAuthority, startDevAuthority } from '@tessera/dev-authority';

/** Playwright Test with `idp`: a dev authority in its default configuration, shared by a worker's tests. */
export const test = base.extend<object, { idp: DevAuthority }>({
  idp: [
    // eslint-disable-next-line no-empty-pattern -- Playwright reads the fixtures a fixture needs from this pattern
    async ({}, use) => {
      const idp = await startDevAuthority();
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
  await page.fill('#login-form input[name="username"]', username);
  await page.fill('#login-form input[name="password"]', 'any-password');
  await page.click('#login-form button[type="submit"]');
  await page.click('#consent-form button[type="submit"]');
  await page.waitForURL(/^http:\/\/127\.0\.0\.1:\d+\/\?/);
  await page.getByRole('heading', { name: 'Signed in' }).waitFor();
}
