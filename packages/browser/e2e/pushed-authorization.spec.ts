// Issue 12 §1: redirect and popup sign-in of the bundled sample SPA in Chromium against a dev
// authority that requires Pushed Authorization Requests (RFC 9126) globally and for the SPA client.
import type { Page } from '@playwright/test';
import { expect, expectWorkingToken, openSample, signInAtAuthority, test, text } from './support/e2e.js';

test.use({ idpOptions: { requirePushedAuthorizationRequests: true, pushedAuthorizationRequestsRequiredFor: ['spa'] } });

/** The query parameter names of the authorization requests Chromium sent. */
function authorizeRequests(page: Page, issuer: string): string[][] {
  const seen: string[][] = [];
  page.context().on('request', (r) => {
    const url = new URL(r.url());
    if (url.origin === issuer && url.pathname === '/auth') seen.push([...url.searchParams.keys()].sort());
  });
  return seen;
}

test.describe('pushed authorization requests (bundled sample)', () => {
  test('redirect sign-in pushes the request (CORS) and sends only client_id and request_uri', async ({ idp, app, page }) => {
    const seen = authorizeRequests(page, idp.issuer);
    await openSample(page, `${app.origin}/`);
    idp.clearRequests();
    await page.click('#login-redirect');
    await signInAtAuthority(page, idp, 'par-spa');
    await page.waitForSelector('body[data-ready="true"]');
    expect(await text(page, '#status')).toBe('Signed in as par-spa');
    expect(await text(page, '#error')).toBe('');
    await expectWorkingToken(idp, await text(page, '#token'));
    expect(idp.countRequests({ path: '/request', clientId: 'tessera-spa' })).toBe(1);
    expect(seen[0]).toEqual(['client_id', 'request_uri']);
  });

  test('popup sign-in pushes the request too', async ({ idp, app, page }) => {
    const seen = authorizeRequests(page, idp.issuer);
    await openSample(page, `${app.origin}/`);
    idp.clearRequests();
    const [popup] = await Promise.all([page.context().waitForEvent('page'), page.click('#login-popup')]);
    const closed = popup.waitForEvent('close');
    await signInAtAuthority(popup, idp, 'par-popup');
    await closed;
    await page.waitForFunction(() => document.querySelector('#status')?.textContent === 'Signed in as par-popup');
    expect(idp.countRequests({ path: '/request', clientId: 'tessera-spa' })).toBe(1);
    expect(seen[0]).toEqual(['client_id', 'request_uri']);
  });
});
