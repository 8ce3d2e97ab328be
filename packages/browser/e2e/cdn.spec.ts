// The CDN file (dist/tessera-browser.min.js) loaded with <script type="module"> from a second
// origin, driving the same sample UI through redirect sign-in, refresh and sign-out.
import { expect, expectWorkingToken, openSample, signInAtAuthority, storedSession, test, text } from './support/e2e.js';

// Within core's least expiry margin (5 s): every silent call refreshes.
test.use({ idpOptions: { accessTokenTtl: 4 }, cdnOrigin: true });

test.describe('CDN file from another origin', () => {
  test('signs in with redirect, refreshes silently, reloads, signs out', async ({ idp, app, page }) => {
    const scripts: string[] = [];
    page.on('request', (request) => {
      if (request.resourceType() === 'script') scripts.push(request.url());
    });
    await openSample(page, `${app.origin}/cdn.html`);
    const cdnFile = app.config.cdnUrl;
    expect(new URL(cdnFile).origin).not.toBe(app.origin);
    expect(scripts).toContain(cdnFile);
    expect(scripts.some((url) => url.endsWith('/app.js'))).toBe(false);

    // Typed errors survive minification: class, name and code.
    const signedOut = await page.evaluate(() => {
      const { client, lib } = (window as unknown as { sample: { client: { acquireTokenSilent(r: object): Promise<unknown> }; lib: Record<string, new () => unknown> } }).sample;
      return client.acquireTokenSilent({ scopes: ['api.read'] }).then(
        () => 'resolved',
        (e: Error & { code: string }) => [e instanceof lib.InteractionRequiredError!, e instanceof lib.TesseraError!, e.name, e.code],
      );
    });
    expect(signedOut).toEqual([true, true, 'InteractionRequiredError', 'no_account']);

    await page.click('#login-redirect');
    await signInAtAuthority(page, idp, 'linus');
    await page.waitForURL(`${app.origin}/cdn.html`);
    await page.waitForSelector('body[data-ready="true"]');
    expect(await text(page, '#status')).toBe('Signed in as linus');
    const first = await text(page, '#token');
    await expectWorkingToken(idp, first);

    idp.clearRequests();
    await page.click('#get-token');
    await page.waitForFunction((t) => document.querySelector('#token')?.textContent !== t, first);
    expect(await text(page, '#from-cache')).toBe('false');
    expect(idp.countRequests({ grantType: 'refresh_token' })).toBe(1);
    await expectWorkingToken(idp, await text(page, '#token'));

    await openSample(page, `${app.origin}/cdn.html`);
    expect(await text(page, '#status')).toBe('Signed in as linus');

    await page.click('#logout');
    await page.click('button[name="logout"][value="yes"]');
    await page.waitForURL(`${app.origin}/cdn.html`);
    await page.waitForSelector('body[data-ready="true"]');
    expect(await text(page, '#status')).toBe('Signed out');
    expect(await storedSession(page)).toEqual({ accounts: 0, refreshTokens: 0 });
  });
});
