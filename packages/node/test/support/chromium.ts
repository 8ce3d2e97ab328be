import { existsSync } from 'node:fs';
import { type Browser, type Page, chromium } from 'playwright-core';

// A real (headless) Chromium for the sign-in tests: Debian's, since Playwright cannot download
// browsers here. Without it those tests are skipped locally and fail in CI.
export const CHROMIUM = '/usr/bin/chromium';
export const chromiumAvailable = existsSync(CHROMIUM) || Boolean(process.env.CI);

/** Warns (once per test file) that the Chromium tests of `what` are skipped. */
export function warnIfNoChromium(what: string): void {
  if (!chromiumAvailable) console.warn(`Skipping ${what}: ${CHROMIUM} not found (apt-get install chromium, or run .ci/setup)`);
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
}

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
