import { type Page, type Request, test } from '@playwright/test';
import { clearMetadataCache } from '@tessera/core';
import { type DevAuthority, type DevAuthorityOptions, startDevAuthority } from '@tessera/dev-authority';

/** A dev authority for the spec file, started in the configuration it needs. */
export function useDevAuthority(options: DevAuthorityOptions = {}): { readonly current: DevAuthority } {
  const holder = {} as { current: DevAuthority };
  test.beforeAll(async () => {
    holder.current = await startDevAuthority(options);
    clearMetadataCache();
  });
  test.afterAll(async () => {
    await holder.current?.close();
  });
  return holder;
}

/** Plays the user on the dev authority's login and consent pages, up to the loopback's "Signed in" page. */
export async function signInAs(page: Page, startUrl: string, username: string): Promise<void> {
  await page.goto(startUrl);
  await finishSignIn(page, username);
}

/** The login and consent steps, on a page already at the provider's login page. */
export async function finishSignIn(page: Page, username: string): Promise<void> {
  await page.fill('#login-form input[name="username"]', username);
  await page.fill('#login-form input[name="password"]', 'any-password');
  await page.click('#login-form button[type="submit"]');
  await page.click('#consent-form button[type="submit"]');
  await page.getByRole('heading', { name: 'Signed in' }).waitFor();
}

/** Every request the page makes, to check what reached the provider and the loopback listener. */
export function recordRequests(page: Page): Request[] {
  const requests: Request[] = [];
  page.on('request', (request) => requests.push(request));
  return requests;
}
