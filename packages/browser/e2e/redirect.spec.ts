// Redirect sign-in with the bundled sample SPA in Chromium against the dev authority.
import type { Page } from '@playwright/test';
import { authorizationResponse, authorizeUrlOf, expect, expectWorkingToken, openSample, signInAtAuthority, storedSession, test, text, waitUntilExpired } from './support/e2e.js';

// 16 s: a new token is usable from the cache for 11 s, then core (margin: 10% of the lifetime, at least 5 s) refreshes it.
const TTL = 16;
test.use({ idpOptions: { accessTokenTtl: TTL } });

type GuardedWindow = { guard?: boolean };

/**
 * Starts a redirect sign-in on the sample page that the user calls off: an app guarding unsaved
 * changes asks before leaving, and the user answers "Stay on page" (the dialog dismissed). The
 * flow is stored, the page stays; `letLeave` turns the guard off.
 */
async function redirectCalledOff(page: Page): Promise<{ letLeave: () => Promise<void> }> {
  await page.evaluate(() => addEventListener('beforeunload', (event) => (window as unknown as GuardedWindow).guard !== false && event.preventDefault()));
  const prompted = new Promise<void>((resolve) => page.once('dialog', (dialog) => void dialog.dismiss().then(resolve)));
  await page.click('#login-redirect');
  await prompted;
  return { letLeave: () => page.evaluate(() => void ((window as unknown as GuardedWindow).guard = false)) };
}

test.describe('redirect sign-in (bundled sample)', () => {
  test('signs in, serves from the cache, survives a reload, refreshes after expiry, signs out', async ({ idp, app, page }) => {
    await openSample(page, `${app.origin}/`);
    expect(await text(page, '#status')).toBe('Signed out');
    // Silent with nobody signed in: only the user can help.
    await page.click('#get-token');
    await page.waitForFunction(() => document.querySelector('#error')?.getAttribute('data-code') === 'no_account');

    idp.clearRequests();
    await page.click('#login-redirect');
    await signInAtAuthority(page, idp, 'ada');
    await page.waitForSelector('body[data-ready="true"]');
    expect(await text(page, '#status')).toBe('Signed in as ada');
    expect(await text(page, '#error')).toBe('');
    const first = await text(page, '#token');
    expect(first.length).toBeGreaterThan(10);
    expect(await text(page, '#from-cache')).toBe('false');
    // The code and state are gone from the address bar, and nothing transient is left.
    expect(page.url()).toBe(`${app.origin}/`);
    expect(await page.evaluate(() => Object.keys(sessionStorage))).toEqual([]);
    expect(idp.countRequests({ grantType: 'authorization_code' })).toBe(1);
    expect(await storedSession(page)).toEqual({ accounts: 1, refreshTokens: 1 });
    await expectWorkingToken(idp, first);

    // Silent: a cache hit.
    await page.click('#get-token');
    await page.waitForFunction(() => document.querySelector('#from-cache')?.textContent === 'true');
    expect(await text(page, '#token')).toBe(first);

    // A reload keeps the session (IndexedDB) and still hits the cache.
    await openSample(page, `${app.origin}/`);
    expect(await text(page, '#status')).toBe('Signed in as ada');
    await page.click('#get-token');
    await page.waitForFunction(() => document.querySelector('#from-cache')?.textContent === 'true');
    expect(await text(page, '#token')).toBe(first);
    expect(idp.countRequests({ grantType: 'refresh_token' })).toBe(0);

    // After expiry the refresh token is used (and rotated).
    await waitUntilExpired(await text(page, '#expires'), TTL);
    await page.click('#get-token');
    await page.waitForFunction(() => document.querySelector('#from-cache')?.textContent === 'false');
    const refreshed = await text(page, '#token');
    expect(refreshed).not.toBe(first);
    expect(idp.countRequests({ grantType: 'refresh_token' })).toBe(1);
    await expectWorkingToken(idp, refreshed);

    // cache: 'memory' keeps nothing beyond the page: a client with it sees no account.
    const inMemory = await page.evaluate(async (authority) => {
      const { client } = (window as unknown as { sample: { client: { constructor: unknown } } }).sample;
      const Client = client.constructor as new (o: object) => { getAccounts(): Promise<unknown[]> };
      return (await new Client({ clientId: 'tessera-spa', authority, cache: 'memory' }).getAccounts()).length;
    }, idp.issuer);
    expect(inMemory).toBe(0);

    // Sign-out: the cache is cleared, then the provider ends its session and sends the user back.
    await page.click('#logout');
    await page.waitForURL((url) => url.href.startsWith(`${idp.issuer}/session/end`));
    await page.click('button[name="logout"][value="yes"]');
    await page.waitForURL(`${app.origin}/`);
    await page.waitForSelector('body[data-ready="true"]');
    expect(await text(page, '#status')).toBe('Signed out');
    expect(await storedSession(page)).toEqual({ accounts: 0, refreshTokens: 0 });
  });

  for (const [param, value, code] of [
    ['state', 'forged-state', 'invalid_state'],
    ['iss', 'http://127.0.0.1:9/attacker', 'invalid_iss'],
  ] as const) {
    test(`refuses a response with a tampered ${param}: error shown, code not redeemed, nothing stored`, async ({ idp, app, page }) => {
      await openSample(page, `${app.origin}/`);
      const response = await authorizationResponse(page, idp);
      const params = new URLSearchParams(response.hash.slice(1));
      expect(params.get('code')).toBeTruthy();
      expect(params.get(param)).toBeTruthy();
      params.set(param, value);
      idp.clearRequests();

      await page.goto('about:blank'); // then a real page load, as the provider's redirect would be
      await openSample(page, `${app.origin}/#${params}`);
      expect(await page.locator('#error').getAttribute('data-code')).toBe(code);
      expect(await text(page, '#status')).toBe('Signed out');
      expect(idp.countRequests({ path: '/token' })).toBe(0);
      expect(await storedSession(page)).toEqual({ accounts: 0, refreshTokens: 0 });
      // The response left the address bar, and the interaction's transient state is gone.
      expect(page.url()).toBe(`${app.origin}/`);
      expect(await page.evaluate(() => Object.keys(sessionStorage))).toEqual([]);
    });
  }

  test('reads a response in the query (responseMode "query") and removes it from the address bar', async ({ idp, app, page }) => {
    app.config.responseMode = 'query';
    try {
      await openSample(page, `${app.origin}/`);
      const requested: string[] = [];
      page.on('request', (r) => requested.push(r.url()));
      await page.click('#login-redirect');
      await signInAtAuthority(page, idp, 'query-user');
      await page.waitForSelector('body[data-ready="true"]');
      expect(requested.some((url) => url.startsWith(`${app.origin}/?code=`) && url.includes('state='))).toBe(true);
      expect(await text(page, '#status')).toBe('Signed in as query-user');
      expect(page.url()).toBe(`${app.origin}/`);
    } finally {
      app.config.responseMode = undefined;
    }
  });

  test('sends the interactive request options to the authorization endpoint', async ({ idp, app, page }) => {
    await openSample(page, `${app.origin}/`);
    // Not awaited in the page: the promise ends with the navigation (which the route stops).
    const authorizeUrl = await authorizeUrlOf(page, idp, () =>
      page.evaluate(() => {
        void (window as unknown as { sample: { client: { loginRedirect(r: object): Promise<void> } } }).sample.client.loginRedirect({
          scopes: ['api.read'],
          prompt: 'login',
          loginHint: 'ada@example.com',
          domainHint: 'example.com',
          maxAge: 60,
          claims: '{"id_token":{"auth_time":{"essential":true}}}',
          extraScopesToConsent: ['api.write'],
        });
      }),
    );
    const params = new URL(authorizeUrl).searchParams;
    expect(Object.fromEntries(params)).toMatchObject({
      client_id: 'tessera-spa',
      response_type: 'code',
      redirect_uri: `${app.origin}/`,
      response_mode: 'fragment',
      prompt: 'login',
      login_hint: 'ada@example.com',
      domain_hint: 'example.com',
      max_age: '60',
      claims: '{"id_token":{"auth_time":{"essential":true}}}',
      code_challenge_method: 'S256',
    });
    expect(params.get('scope')!.split(' ').sort()).toEqual(['api.read', 'api.write', 'offline_access', 'openid', 'profile']);
    for (const name of ['state', 'nonce', 'code_challenge']) expect(params.get(name)?.length).toBeGreaterThanOrEqual(43);
    // The transient state is in sessionStorage for this interaction only, with its timestamp.
    const stored = await page.evaluate((issuer) => JSON.parse(sessionStorage.getItem(`tessera.interaction.tessera-spa ${issuer}`) ?? 'null'), idp.issuer);
    expect(stored).toMatchObject({ flow: { state: params.get('state'), nonce: params.get('nonce'), scopes: ['api.read'] } });
    expect(Date.now() - stored.createdAt).toBeLessThan(60_000);
    expect(stored.flow.codeVerifier).toMatch(/^[\w-]{43}$/);
  });

  test('a redirect the user called off ("Stay on page" of a beforeunload prompt) does not block the next sign-in', async ({ idp, app, page }) => {
    await openSample(page, `${app.origin}/`);
    const { letLeave } = await redirectCalledOff(page);
    expect(page.url()).toBe(`${app.origin}/`);

    // Saved, the user signs in again: the sign-in goes to the provider and completes.
    await letLeave();
    await page.click('#login-redirect');
    await signInAtAuthority(page, idp, 'stay');
    await page.waitForSelector('body[data-ready="true"]');
    expect(await text(page, '#error')).toBe('');
    expect(await text(page, '#status')).toBe('Signed in as stay');
  });

  test('a popup sign-in started while the page is leaving for a redirect sign-in keeps that sign-in\'s flow: it completes on return', async ({ idp, app, page }) => {
    await openSample(page, `${app.origin}/`);
    // The redirect's flow stored, the page still here.
    const { letLeave } = await redirectCalledOff(page);
    const authUri = await page.evaluate((issuer) => JSON.parse(sessionStorage.getItem(`tessera.interaction.tessera-spa ${issuer}`)!).flow.authUri as string, idp.issuer);
    // A popup sign-in claims the tab; then the page leaves for the redirect's authorization request after all.
    const [popup] = await Promise.all([page.context().waitForEvent('page'), page.click('#login-popup')]);
    await letLeave();
    idp.clearRequests();
    await page.goto(authUri);
    await popup.close();

    await signInAtAuthority(page, idp, 'leaving');
    await page.waitForSelector('body[data-ready="true"]');
    expect(await text(page, '#error')).toBe('');
    expect(await text(page, '#status')).toBe('Signed in as leaving');
    expect(idp.countRequests({ grantType: 'authorization_code' })).toBe(1);
  });

  // A user may spend long at the provider (sign-up with e-mail verification, MFA enrolment). Only
  // the app page's clock moves: the provider's authorization code is still valid.
  for (const [minutes, completes] of [
    [30, true],
    [61, false],
  ] as const) {
    test(`a response coming back ${minutes} minutes after the redirect ${completes ? 'completes' : 'is refused'}`, async ({ idp, app, page }) => {
      await openSample(page, `${app.origin}/`);
      idp.clearRequests();
      await page.click('#login-redirect');
      await page.waitForURL((url) => url.href.startsWith(idp.issuer));
      await page.clock.setSystemTime(Date.now() + minutes * 60_000);
      await signInAtAuthority(page, idp, 'patient');
      await page.waitForSelector('body[data-ready="true"]');
      // The page's clock really is that far ahead.
      expect(await page.evaluate(() => Date.now())).toBeGreaterThan(Date.now() + (minutes - 1) * 60_000);
      expect(page.url()).toBe(`${app.origin}/`);
      expect(await page.evaluate(() => Object.keys(sessionStorage))).toEqual([]);
      if (completes) {
        expect(await text(page, '#error')).toBe('');
        expect(await text(page, '#status')).toBe('Signed in as patient');
        expect(idp.countRequests({ grantType: 'authorization_code' })).toBe(1);
        await expectWorkingToken(idp, await text(page, '#token'));
        expect(await storedSession(page)).toEqual({ accounts: 1, refreshTokens: 1 });
      } else {
        expect(await page.locator('#error').getAttribute('data-code')).toBe('invalid_state');
        expect(await text(page, '#error')).toContain('this tab started no redirect sign-in (or it expired)');
        expect(await text(page, '#status')).toBe('Signed out');
        expect(idp.countRequests({ path: '/token' })).toBe(0);
        expect(await storedSession(page)).toEqual({ accounts: 0, refreshTokens: 0 });
      }
    });
  }

  test('a claim of the tab stops refusing new sign-ins after 10 minutes, even one carrying a stored flow', async ({ idp, app, page }) => {
    await openSample(page, `${app.origin}/`);
    const { letLeave } = await redirectCalledOff(page);
    await letLeave();
    // The stored flow, claimed by an interaction that never ended, `ageMin` minutes ago.
    const claimed = (ageMin: number) =>
      page.evaluate(
        ({ key, ageMin }) => sessionStorage.setItem(key, JSON.stringify({ ...JSON.parse(sessionStorage.getItem(key)!), busy: true, createdAt: Date.now() - ageMin * 60_000 })),
        { key: `tessera.interaction.tessera-spa ${idp.issuer}`, ageMin },
      );
    await claimed(9);
    await page.click('#login-redirect');
    await page.waitForFunction(() => document.querySelector('#error')?.getAttribute('data-code') === 'interaction_in_progress');
    expect(page.url()).toBe(`${app.origin}/`);

    await claimed(11);
    await page.click('#login-redirect');
    await signInAtAuthority(page, idp, 'unlocked');
    await page.waitForSelector('body[data-ready="true"]');
    expect(await text(page, '#error')).toBe('');
    expect(await text(page, '#status')).toBe('Signed in as unlocked');
  });

  test('removes the transient entries of abandoned interactions older than 10 minutes (a stored redirect flow: 1 hour)', async ({ app, page }) => {
    await openSample(page, `${app.origin}/`);
    await page.evaluate(() => {
      const entry = (ageMs: number) => JSON.stringify({ mode: 'redirect', createdAt: Date.now() - ageMs });
      sessionStorage.setItem('tessera.interaction.abandoned-app', entry(11 * 60_000));
      sessionStorage.setItem('tessera.interaction.running-app', entry(60_000));
      // A redirect's stored flow is kept for an hour: its user may still be at the provider.
      const flow = (ageMs: number) => JSON.stringify({ createdAt: Date.now() - ageMs, flow: { state: 'waiting' } });
      sessionStorage.setItem('tessera.interaction.waiting-app', flow(59 * 60_000));
      sessionStorage.setItem('tessera.interaction.gone-app', flow(61 * 60_000));
      sessionStorage.setItem('unrelated', 'kept');
    });
    await openSample(page, `${app.origin}/`); // a client is created on every load
    expect((await page.evaluate(() => Object.keys(sessionStorage))).sort()).toEqual(['tessera.interaction.running-app', 'tessera.interaction.waiting-app', 'unrelated']);
  });
});
