// Issue 12 §2 in Chromium: a DPoP-bound SPA (the bundled sample with `dpop: true`) signs in with a
// redirect against a dev authority that registers it DPoP-bound and demands nonces. oidc-provider
// checks every proof; a loopback resource server checks the API proofs with node:crypto and the
// token by introspection at the authority (not Tessera's code). The tests assert on what the provider and the resource server saw.
import { createHash, type JsonWebKey, verify } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from '@playwright/test';
import type { DevAuthority } from '@tessera/dev-authority';
import { expect, introspect, jktOf, openSample, signInWithRedirect, storedCache, storedDpopKey, test, text, thumbprint, tokenRequests } from './support/e2e.js';

test.use({ idpOptions: { dpop: { requireNonce: true, boundClients: ['tessera-spa'], exposeErrorDetail: true } } });

const b64json = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
const sha256 = (value: string) => createHash('sha256').update(value).digest('base64url');

interface ApiCall {
  status: number;
  nonce?: unknown;
  why?: string;
}

/**
 * An API that accepts DPoP-bound tokens only and demands its own nonce. It checks the proof as
 * RFC 9449 7.1 says: typ/alg, the signature with the embedded key, htm, htu, iat, jti not reused,
 * ath (the token's hash), the key's thumbprint against the token's cnf.jkt, and the token itself.
 */
async function startResourceServer(idp: DevAuthority, appOrigin: string) {
  const nonce = `rs-${Math.random().toString(36).slice(2)}`;
  const calls: ApiCall[] = [];
  const jtis = new Set<string>();
  const cors = {
    'access-control-allow-origin': appOrigin,
    'access-control-allow-headers': 'authorization, dpop',
    'access-control-expose-headers': 'www-authenticate, dpop-nonce',
  };
  const check = async (req: IncomingMessage, url: string): Promise<string | undefined> => {
    const [scheme, token] = (req.headers.authorization ?? '').split(' ');
    if (scheme !== 'DPoP' || !token) return 'not a DPoP authorization';
    const info = await introspect(idp, token);
    if (!info.active || info.token_type !== 'DPoP') return 'access token not active or not DPoP';
    const proof = String(req.headers.dpop ?? '');
    const [h, p, s] = proof.split('.') as [string, string, string];
    const header = b64json(h);
    const payload = b64json(p);
    if (header.typ !== 'dpop+jwt' || header.alg !== 'ES256') return 'typ/alg';
    const jwk = header.jwk as JsonWebKey;
    if (!verify('sha256', Buffer.from(`${h}.${p}`), { key: jwk, format: 'jwk', dsaEncoding: 'ieee-p1363' }, Buffer.from(s, 'base64url'))) return 'proof signature';
    if (payload.htm !== req.method) return 'htm';
    if (payload.htu !== url.split('?')[0]) return 'htu';
    if (typeof payload.iat !== 'number' || Math.abs(payload.iat - Date.now() / 1000) > 60) return 'iat';
    if (typeof payload.jti !== 'string' || jtis.has(payload.jti)) return 'jti';
    jtis.add(payload.jti);
    if (payload.ath !== sha256(token)) return 'ath';
    if (thumbprint(jwk) !== info.cnf?.jkt) return 'jkt binding';
    return undefined;
  };
  const server: Server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { ...cors, 'access-control-allow-methods': 'GET, POST' }).end();
      return;
    }
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${req.url}`;
    const why = await check(req, url).catch((error: unknown) => String(error));
    const sent = b64json(String(req.headers.dpop ?? 'e30').split('.')[1] ?? 'e30').nonce;
    if (why) {
      calls.push({ status: 401, why });
      res.writeHead(401, { ...cors, 'www-authenticate': 'DPoP error="invalid_token"' }).end(why);
    } else if (sent !== nonce) {
      calls.push({ status: 401, nonce: sent });
      res.writeHead(401, { ...cors, 'www-authenticate': 'DPoP error="use_dpop_nonce"', 'dpop-nonce': nonce }).end();
    } else {
      calls.push({ status: 200, nonce: sent });
      res.writeHead(200, { ...cors, 'content-type': 'application/json' }).end(JSON.stringify({ orders: [7] }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { origin, nonce, calls, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

type SampleClient = {
  acquireTokenSilent(r: object): Promise<{ accessToken: string; tokenType: string; fromCache: boolean }>;
  dpopHeaders(result: object, request: object): Promise<{ authorization: string; dpop: string }>;
  fetchWithDpop(result: object, url: string): Promise<Response>;
};

/** Silent acquisition through the sample's client, in the page. */
const silent = (page: Page, forceRefresh: boolean) =>
  page.evaluate(async (force) => {
    const { client, config } = (window as unknown as { sample: { client: SampleClient; config: { scopes: string[] } } }).sample;
    return client.acquireTokenSilent({ scopes: config.scopes, forceRefresh: force });
  }, forceRefresh);

test('a DPoP-bound SPA signs in, refreshes, survives a reload and calls an API, all bound to its IndexedDB key', async ({ idp, app, page }) => {
  app.config.dpop = true;
  const api = await startResourceServer(idp, app.origin);
  // The token_type of each successful token response, as Chromium received it (the URL's query holds client-request-id).
  const tokenTypes: Array<Promise<unknown>> = [];
  page.context().on('response', (r) => {
    if (r.url().split('?')[0] === `${idp.issuer}/token` && r.request().method() === 'POST' && r.status() === 200) tokenTypes.push(r.json().then((body: { token_type?: unknown }) => body.token_type));
  });
  try {
    await openSample(page, `${app.origin}/`);
    idp.clearRequests();
    const first = await signInWithRedirect(page, idp, 'dpop-spa');

    // The key: a non-extractable CryptoKey in IndexedDB; the token is bound to its thumbprint.
    const key = await storedDpopKey(page);
    expect(key).toMatchObject({ cryptoKey: true, extractable: false });
    const jkt = thumbprint(key!.jwk as JsonWebKey);
    expect(await jktOf(idp, first)).toBe(jkt);

    // The provider asked for a nonce (use_dpop_nonce), then redeemed the code with a proof carrying it, by that key.
    const redeemed = tokenRequests(idp, 'authorization_code');
    expect(redeemed.map((r) => [r.status, r.error ?? null])).toEqual([
      [400, 'use_dpop_nonce'],
      [200, null],
    ]);
    expect(redeemed.every((r) => r.dpopProof && r.dpopJkt === jkt)).toBe(true);
    expect(redeemed[0]!.dpopNonce).toBeUndefined();
    expect(redeemed[1]!.dpopNonce).toBeTruthy();
    expect(await Promise.all(tokenTypes)).toEqual(['DPoP']);

    // Cached as MSAL files DPoP tokens: the access and refresh tokens carry the key's thumbprint.
    const cache = await storedCache(page);
    const [at] = Object.values(cache!.AccessToken!) as Array<Record<string, string>>;
    const [rt] = Object.values(cache!.RefreshToken!) as Array<Record<string, string>>;
    expect(at).toMatchObject({ token_type: 'DPoP', credential_type: 'AccessToken_With_AuthScheme', key_id: jkt, secret: first });
    expect(rt!.key_id).toBe(jkt);

    // Silent refresh with the DPoP-bound refresh token: the remembered nonce, so one request, no retry.
    idp.clearRequests();
    const refreshed = await silent(page, true);
    expect(refreshed).toMatchObject({ tokenType: 'DPoP', fromCache: false });
    expect(refreshed.accessToken).not.toBe(first);
    expect(await jktOf(idp, refreshed.accessToken)).toBe(jkt);
    const refreshes = tokenRequests(idp, 'refresh_token');
    expect(refreshes.map((r) => [r.status, r.dpopJkt, Boolean(r.dpopNonce)])).toEqual([[200, jkt, true]]);
    expect(await Promise.all(tokenTypes)).toEqual(['DPoP', 'DPoP']);

    // A reload: the same key from IndexedDB, the cached token served, and a refresh works with that key
    // (the refresh token is bound to it); the new page has no nonce yet, so the provider asks once.
    await openSample(page, `${app.origin}/`);
    expect(await text(page, '#status')).toBe('Signed in as dpop-spa');
    expect(thumbprint((await storedDpopKey(page))!.jwk as JsonWebKey)).toBe(jkt);
    const hit = await silent(page, false);
    expect(hit).toMatchObject({ accessToken: refreshed.accessToken, tokenType: 'DPoP', fromCache: true });
    idp.clearRequests();
    const afterReload = await silent(page, true);
    expect(await jktOf(idp, afterReload.accessToken)).toBe(jkt);
    expect(tokenRequests(idp, 'refresh_token').map((r) => [r.status, r.error ?? null, r.dpopJkt])).toEqual([
      [400, 'use_dpop_nonce', jkt],
      [200, null, jkt],
    ]);

    // The API: fetchWithDpop answers the resource server's nonce challenge once; then dpopHeaders
    // (with the remembered nonce) gives headers a plain fetch sends; the server verified both.
    const url = `${api.origin}/orders?page=1`;
    const answers = await page.evaluate(
      async ({ url }) => {
        const { client, config } = (window as unknown as { sample: { client: SampleClient; config: { scopes: string[] } } }).sample;
        const result = await client.acquireTokenSilent({ scopes: config.scopes });
        const viaHelper = await client.fetchWithDpop(result, url);
        const headers = await client.dpopHeaders(result, { method: 'GET', url });
        const plain = await fetch(url, { headers: { ...headers } });
        // Text, not JSON: a refusal's body names the check that failed.
        return { helper: [viaHelper.status, await viaHelper.text()], plain: [plain.status, await plain.text()], authorization: headers.authorization === `DPoP ${result.accessToken}` };
      },
      { url },
    );
    expect(answers).toEqual({ helper: [200, '{"orders":[7]}'], plain: [200, '{"orders":[7]}'], authorization: true });
    expect(api.calls).toEqual([
      { status: 401, nonce: undefined },
      { status: 200, nonce: api.nonce },
      { status: 200, nonce: api.nonce },
    ]);
  } finally {
    await api.close();
  }
});

test('with the memory cache (a key for this page only) a redirect sign-in completes; a popup binds the code to the key (dpop_jkt)', async ({ idp, app, page }) => {
  app.config.dpop = true;
  app.config.cache = 'memory';
  try {
    // Redirect: the page that redeems the code is not the page that made the key, so the code
    // cannot be bound to that key; the token is bound to the new page's key.
    await openSample(page, `${app.origin}/`);
    idp.clearRequests();
    const token = await signInWithRedirect(page, idp, 'dpop-memory');
    const redeemed = tokenRequests(idp, 'authorization_code').filter((r) => r.status === 200);
    expect(redeemed).toHaveLength(1);
    expect(await jktOf(idp, token)).toBe(redeemed[0]!.dpopJkt);
    expect(idp.requests.find((r) => r.path === '/auth')?.queryParameters).not.toContain('dpop_jkt');

    // Popup: the page (and its key) stays, so the code is bound to the key that redeems it. The
    // authority still has the user's session: the popup asks for consent only.
    idp.clearRequests();
    const popupOpened = page.context().waitForEvent('page');
    const popupSignIn = page.evaluate(async () => {
      const { client, config } = (window as unknown as { sample: { client: { loginPopup(r: object): Promise<{ accessToken: string }> }; config: { scopes: string[] } } }).sample;
      return client.loginPopup({ scopes: config.scopes }).then(
        (r) => r.accessToken,
        (e: Error & { code?: string }) => `${e.code}: ${e.message}`,
      );
    });
    await (await popupOpened).locator('#consent-form button[type="submit"]').click();
    const popupResult = await popupSignIn;
    expect(await jktOf(idp, popupResult)).toBe(redeemed[0]!.dpopJkt);
    expect(idp.requests.find((r) => r.path === '/auth')?.queryParameters).toContain('dpop_jkt');
    const popupToken = tokenRequests(idp, 'authorization_code').filter((r) => r.status === 200);
    expect(popupToken).toHaveLength(1);
    expect(popupToken[0]!.dpopJkt).toBe(redeemed[0]!.dpopJkt);
  } finally {
    app.config.cache = undefined;
    app.config.dpop = undefined;
  }
});
