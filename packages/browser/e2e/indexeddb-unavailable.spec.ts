// DPoP when IndexedDB fails (private browsing in some browsers, site data blocked, a full quota): the
// token cache already falls back to memory; the DPoP key does too, a non-extractable ES256 key for
// the page's life, with a warning, instead of a DOMException at every sign-in. An init script makes
// `indexedDB.open` fail in the page; the dev authority registers the sample DPoP-bound, demands
// nonces and checks every proof. The tests assert on what the provider saw and bound the token to.
import type { Page } from '@playwright/test';
import { expect, jktOf, openSample, signInAtAuthority, signInWithRedirect, test, thumbprint, tokenRequests } from './support/e2e.js';

test.use({ idpOptions: { dpop: { requireNonce: true, boundClients: ['tessera-spa'], exposeErrorDetail: true } } });

/**
 * How IndexedDB fails: `open` at once (Chromium with site data blocked, opaque origins), or with an
 * error event (Firefox's older private mode); or reads work and writes exceed the quota.
 */
const FAILURES = {
  'open throws': () => {
    IDBFactory.prototype.open = () => {
      throw new DOMException('The user denied permission to access the database.', 'SecurityError');
    };
  },
  'open fires an error event': () => {
    IDBFactory.prototype.open = () => {
      const request = new EventTarget() as IDBOpenDBRequest & { error: DOMException };
      setTimeout(() => {
        Object.defineProperty(request, 'error', { value: new DOMException('A mutation operation was attempted on a database that did not allow mutations.', 'InvalidStateError') });
        request.dispatchEvent(new Event('error'));
        request.onerror?.(new Event('error'));
      });
      return request;
    };
  },
  'put throws QuotaExceededError': () => {
    IDBObjectStore.prototype.put = () => {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    };
  },
};

type SampleWindow = {
  sample: {
    client: {
      acquireTokenSilent(r: object): Promise<{ accessToken: string; tokenType: string; fromCache: boolean }>;
      dpopHeaders(result: object, request: object): Promise<{ dpop: string }>;
      loginPopup(r: object): Promise<{ accessToken: string; tokenType: string }>;
    };
    config: { scopes: string[] };
  };
};

/** The thumbprint of the key a proof made now in the page carries, and the cached token's type (from memory). */
const pageKeyAndToken = (page: Page) =>
  page.evaluate(async () => {
    const { client, config } = (window as unknown as SampleWindow).sample;
    const result = await client.acquireTokenSilent({ scopes: config.scopes });
    const { dpop } = await client.dpopHeaders(result, { method: 'GET', url: 'https://api.example/orders' });
    return { tokenType: result.tokenType, fromCache: result.fromCache, jwk: JSON.parse(atob(dpop.split('.')[0]!.replace(/-/g, '+').replace(/_/g, '/'))).jwk as JsonWebKey };
  });

/** The sample logs the library's warnings to the console (ui.js); the ones about the DPoP key. */
function dpopWarnings(page: Page): string[] {
  const seen: string[] = [];
  page.on('console', (message) => {
    if (message.text().includes('DPoP key')) seen.push(message.text());
  });
  return seen;
}

for (const [how, breakIndexedDb] of Object.entries(FAILURES)) {
  test(`IndexedDB ${how}: a DPoP redirect sign-in completes with a key kept in memory, and a warning`, async ({ idp, app, context, page }) => {
    app.config.dpop = true;
    try {
      await context.addInitScript(breakIndexedDb);
      const warnings = dpopWarnings(page);
      await openSample(page, `${app.origin}/`);
      idp.clearRequests();
      const token = await signInWithRedirect(page, idp, 'private-mode');

      // The key could not survive the redirect, so the code was not bound to the first page's key;
      // the page that redeemed it proved possession of its own key, and the token is bound to that.
      expect(idp.requests.find((r) => r.path === '/auth')?.queryParameters).not.toContain('dpop_jkt');
      const redeemed = tokenRequests(idp, 'authorization_code');
      expect(redeemed.map((r) => [r.status, r.error ?? null])).toEqual([
        [400, 'use_dpop_nonce'],
        [200, null],
      ]);
      const jkt = redeemed[1]!.dpopJkt;
      expect(jkt).toBeTruthy();
      expect(await jktOf(idp, token)).toBe(jkt);

      // The same key signs for the page's life: a proof made now carries it; the token is served from memory.
      const now = await pageKeyAndToken(page);
      expect(now).toMatchObject({ tokenType: 'DPoP', fromCache: true });
      expect(thumbprint(now.jwk)).toBe(jkt);

      // Each page warned once that its key is not stored, naming the failure and not the key.
      expect(warnings).toHaveLength(2);
      for (const warning of warnings) {
        expect(warning).toContain('IndexedDB');
        expect(warning).toContain('in memory');
        expect(warning).not.toContain(now.jwk.x!);
      }
    } finally {
      app.config.dpop = undefined;
    }
  });
}

test('IndexedDB failing, a DPoP popup sign-in binds the code to the in-memory key (dpop_jkt), which the page keeps', async ({ idp, app, context, page }) => {
  app.config.dpop = true;
  try {
    await context.addInitScript(FAILURES['open throws']);
    const warnings = dpopWarnings(page);
    await openSample(page, `${app.origin}/`);
    idp.clearRequests();
    const popupOpened = page.context().waitForEvent('page');
    const signIn = page.evaluate(() => {
      const { client, config } = (window as unknown as SampleWindow).sample;
      return client.loginPopup({ scopes: config.scopes }).then(
        (r) => ({ accessToken: r.accessToken, tokenType: r.tokenType }),
        (e: Error & { code?: string }) => ({ error: `${e.name} ${e.code}: ${e.message}` }),
      );
    });
    await signInAtAuthority(await popupOpened, idp, 'private-popup');
    const result = await signIn;
    expect(result).toMatchObject({ tokenType: 'DPoP' });

    const now = await pageKeyAndToken(page);
    const jkt = thumbprint(now.jwk);
    expect(idp.requests.find((r) => r.path === '/auth')?.queryParameters).toContain('dpop_jkt');
    expect(tokenRequests(idp, 'authorization_code').map((r) => [r.status, r.error ?? null, r.dpopJkt])).toEqual([
      [400, 'use_dpop_nonce', jkt],
      [200, null, jkt],
    ]);
    expect(await jktOf(idp, (result as { accessToken: string }).accessToken)).toBe(jkt);
    expect(warnings).toHaveLength(1);
  } finally {
    app.config.dpop = undefined;
  }
});
