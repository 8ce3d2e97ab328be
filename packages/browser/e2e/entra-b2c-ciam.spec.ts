// Azure AD B2C and Entra External ID (CIAM) redirect sign-in with the bundled sample in Chromium
// (issue 15), against core's Entra stub behind Playwright routes (support/entra.ts); and the
// correlation id and library info a browser sends: as parameters, never as headers (no CORS
// preflight), Entra's library info to Entra only.
import { readFileSync } from 'node:fs';
import type { Page, Request } from '@playwright/test';
import { CLIENT_ID, EMAIL, OID, TID } from '../../core/test/support/entra-clouds-stub.js';
import { expect, openSample, signInAtAuthority, storedCache, text } from './support/e2e.js';
import { ENTRA_SCOPES, redirectSignIn, test } from './support/entra.js';

const BROWSER_VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** A result (or error) as the page sees it, with the account's tenant profiles as their tenant ids. */
interface PageResult {
  correlationId?: string;
  accessToken?: string;
  fromCache?: boolean;
  account?: { homeAccountId: string; environment: string; tenantId: string; username: string; localAccountId: string; authorityType: string; tenantProfiles: string[] };
  error?: string;
  name?: string;
}

type PageCall = { kind: 'redirect' } | { kind: 'accounts' } | { kind: 'silent'; homeAccountId: string; scopes: string[]; forceRefresh?: boolean };

/** Runs a call on the sample's client in the page: the redirect's result, the accounts, or a silent call. */
function inPage(page: Page, call: PageCall): Promise<PageResult & PageResult[]> {
  return page.evaluate(async (call) => {
    type Account = PageResult['account'] & { tenantProfiles?: Map<string, unknown> };
    type Result = { correlationId?: string; accessToken?: string; fromCache?: boolean; account?: Account };
    const { client } = (window as unknown as { sample: { client: Record<string, (request?: object) => Promise<unknown>> } }).sample;
    const account = (a?: Account) => a && { ...a, idTokenClaims: undefined, tenantProfiles: [...(a.tenantProfiles?.keys() ?? [])] };
    const view = (r: Result) => ({ correlationId: r.correlationId, accessToken: r.accessToken, fromCache: r.fromCache, account: account(r.account) });
    try {
      if (call.kind === 'redirect') return view((await client.handleRedirect!()) as Result);
      const accounts = (await client.getAccounts!()) as Account[];
      if (call.kind === 'accounts') return accounts.map(account);
      const silent = { scopes: call.scopes, forceRefresh: call.forceRefresh, account: accounts.find((a) => a!.homeAccountId === call.homeAccountId) };
      return view((await client.acquireTokenSilent!(silent)) as Result);
    } catch (e) {
      const error = e as Error & { code?: string; correlationId?: string };
      return { error: error.code, name: error.name, correlationId: error.correlationId };
    }
  }, call) as Promise<PageResult & PageResult[]>;
}

test.describe('Azure AD B2C (redirect, Chromium)', () => {
  for (const [form, authority, discovery] of [
    ['tfp path', 'https://contoso.b2clogin.com/tfp/contoso.onmicrosoft.com/B2C_1_susi', '/tfp/contoso.onmicrosoft.com/B2C_1_susi/v2.0/.well-known/openid-configuration'],
    ['policy path with /v2.0', 'https://contoso.b2clogin.com/contoso.onmicrosoft.com/B2C_1_susi/v2.0', '/contoso.onmicrosoft.com/B2C_1_susi/v2.0/.well-known/openid-configuration'],
  ] as const) {
    test(`signs in with the ${form}: policy-keyed account, emails[] username, diagnostics as parameters`, async ({ entra, page }) => {
      const { stub, app } = entra;
      app.config.authority = authority;
      await openSample(page, `${app.origin}/`);
      await redirectSignIn(page);
      expect(await text(page, '#error')).toBe('');
      expect(await text(page, '#status')).toBe(`Signed in as ${EMAIL}`);
      const result = await inPage(page, { kind: 'redirect' });
      expect(result.account).toEqual({
        homeAccountId: `${OID}-b2c_1_susi.${TID}`,
        environment: 'contoso.b2clogin.com',
        tenantId: TID,
        localAccountId: OID,
        username: EMAIL, // B2C's emails[0]: B2C sends no preferred_username
        name: 'Ada',
        authorityType: 'MSSTS',
        tenantProfiles: [TID],
      });
      // Where B2C serves each step (discovery again on the page the user returns to); no instance
      // discovery (B2C hosts are Microsoft's).
      expect(stub.seen.map((s) => `${s.method} ${s.host}${s.path}`)).toEqual([
        `GET contoso.b2clogin.com${discovery}`,
        'GET contoso.b2clogin.com/contoso.onmicrosoft.com/B2C_1_susi/oauth2/v2.0/authorize',
        `GET contoso.b2clogin.com${discovery}`,
        'POST contoso.b2clogin.com/contoso.onmicrosoft.com/B2C_1_susi/oauth2/v2.0/token',
      ]);
      const [, authorize, , token] = stub.seen as [unknown, (typeof stub.seen)[0], unknown, (typeof stub.seen)[0]];
      expect(result.correlationId).toMatch(UUID);
      expect(Object.fromEntries(['client-request-id', 'x-client-SKU', 'x-client-VER', 'client_info'].map((k) => [k, authorize.query.get(k)]))).toEqual({
        'client-request-id': result.correlationId,
        'x-client-SKU': 'tessera.js.browser',
        'x-client-VER': BROWSER_VERSION,
        client_info: '1',
      });
      expect(token.query.get('client-request-id')).toBe(result.correlationId);
      expect(Object.fromEntries(['x-client-SKU', 'x-client-VER', 'x-ms-lib-capability'].map((k) => [k, token.body.get(k)]))).toEqual({
        'x-client-SKU': 'tessera.js.browser',
        'x-client-VER': BROWSER_VERSION,
        'x-ms-lib-capability': 'retry-after, h429',
      });
      // No custom header: a simple cross-origin POST, redeemed cross-origin as Entra requires of SPAs.
      expect(Object.keys(token.headers).filter((h) => (h.startsWith('x-') && h !== 'x-stub-host') || h.includes('request-id'))).toEqual([]);
      expect(token.headers.origin).toBe(app.origin);
      const cache = await storedCache(page, CLIENT_ID);
      expect(Object.keys(cache?.Account ?? {})).toEqual([`${OID}-b2c_1_susi.${TID}-contoso.b2clogin.com-${TID}`]);
    });
  }

  test('switches policy (profile edit after sign-up/sign-in): one account per policy, each refreshed at its own policy', async ({ entra, page }) => {
    const { stub, app } = entra;
    const susi = 'https://contoso.b2clogin.com/tfp/contoso.onmicrosoft.com/B2C_1_susi';
    app.config.authority = susi;
    await openSample(page, `${app.origin}/`);
    await redirectSignIn(page);
    const signedIn = await inPage(page, { kind: 'redirect' });

    // The app sends the user to the profile-edit policy (its own authority), as B2C apps do.
    app.config.authority = 'https://contoso.b2clogin.com/tfp/contoso.onmicrosoft.com/B2C_1_edit';
    await openSample(page, `${app.origin}/`);
    stub.seen.length = 0;
    await redirectSignIn(page);
    const edited = await inPage(page, { kind: 'redirect' });
    expect(edited.account).toMatchObject({ homeAccountId: `${OID}-b2c_1_edit.${TID}`, username: EMAIL, tenantId: TID });
    expect(stub.seen.filter((s) => s.method === 'POST').map((s) => s.path)).toEqual(['/contoso.onmicrosoft.com/B2C_1_edit/oauth2/v2.0/token']);
    const accounts = (await inPage(page, { kind: 'accounts' })) as unknown as NonNullable<PageResult['account']>[];
    expect(accounts.map((a) => a.homeAccountId).sort()).toEqual([`${OID}-b2c_1_edit.${TID}`, `${OID}-b2c_1_susi.${TID}`]);

    // Back on the sign-up/sign-in policy: its account's token is still cached, and refreshes there with its own refresh token.
    app.config.authority = susi;
    await openSample(page, `${app.origin}/`);
    const home = `${OID}-b2c_1_susi.${TID}`;
    const hit = await inPage(page, { kind: 'silent', homeAccountId: home, scopes: ENTRA_SCOPES });
    expect(hit).toMatchObject({ fromCache: true, accessToken: signedIn.accessToken });
    const cache = await storedCache(page, CLIENT_ID);
    const susiRefreshToken = (Object.values(cache?.RefreshToken ?? {}) as { home_account_id: string; secret: string }[]).find((rt) => rt.home_account_id === home)?.secret;
    expect(susiRefreshToken).toBeTruthy();
    stub.seen.length = 0;
    const refreshed = await inPage(page, { kind: 'silent', homeAccountId: home, scopes: ENTRA_SCOPES, forceRefresh: true });
    expect(refreshed).toMatchObject({ fromCache: false, account: { homeAccountId: home } });
    const refresh = stub.seen.find((s) => s.method === 'POST')!;
    expect(refresh.path).toBe('/contoso.onmicrosoft.com/B2C_1_susi/oauth2/v2.0/token');
    expect(refresh.body.get('refresh_token')).toBe(susiRefreshToken);
    expect(refresh.query.get('client-request-id')).toBe(refreshed.correlationId);
  });
});

test.describe('Entra External ID (CIAM) (redirect, Chromium)', () => {
  for (const [form, authority, tenantPath] of [
    ['no tenant path', 'https://contoso.ciamlogin.com', '/contoso.onmicrosoft.com'],
    ['the tenant domain', 'https://contoso.ciamlogin.com/contoso.onmicrosoft.com', '/contoso.onmicrosoft.com'],
    ['the tenant GUID', `https://contoso.ciamlogin.com/${TID}`, `/${TID}`],
  ] as const) {
    test(`signs in with ${form}: MSAL-shaped account, silent hit, a revoked grant's error carries the call id`, async ({ entra, page }) => {
      const { stub, app } = entra;
      app.config.authority = authority;
      await openSample(page, `${app.origin}/`);
      await redirectSignIn(page);
      expect(await text(page, '#error')).toBe('');
      const result = await inPage(page, { kind: 'redirect' });
      // preferred_username is empty (External ID users may have none): the email claim names them.
      expect(result.account).toMatchObject({ homeAccountId: `${OID}.${TID}`, environment: 'contoso.ciamlogin.com', tenantId: TID, localAccountId: OID, username: EMAIL, authorityType: 'MSSTS' });
      expect(stub.seen.map((s) => `${s.method} ${s.path}`)).toEqual([
        `GET ${tenantPath}/v2.0/.well-known/openid-configuration`,
        `GET /${TID}/oauth2/v2.0/authorize`,
        `GET ${tenantPath}/v2.0/.well-known/openid-configuration`,
        `POST /${TID}/oauth2/v2.0/token`,
      ]);
      const token = stub.seen[3]!;
      expect(token.query.get('client-request-id')).toBe(result.correlationId);
      expect(token.body.get('x-client-SKU')).toBe('tessera.js.browser');
      expect(token.body.get('x-client-VER')).toBe(BROWSER_VERSION);

      // A cache hit: nothing sent, its own correlation id.
      stub.seen.length = 0;
      const hit = await inPage(page, { kind: 'silent', homeAccountId: result.account!.homeAccountId, scopes: ENTRA_SCOPES });
      expect(hit).toMatchObject({ fromCache: true, accessToken: result.accessToken });
      expect(hit.correlationId).toMatch(UUID);
      expect(hit.correlationId).not.toBe(result.correlationId);
      expect(stub.seen).toEqual([]);

      // The grant is revoked: the refresh fails with Entra's invalid_grant, and the error names the id the server saw.
      for (const rt of Object.values((await storedCache(page, CLIENT_ID))?.RefreshToken ?? {}) as { secret: string }[]) stub.revoked.add(rt.secret);
      const failed = await inPage(page, { kind: 'silent', homeAccountId: result.account!.homeAccountId, scopes: ENTRA_SCOPES, forceRefresh: true });
      expect(failed).toMatchObject({ name: 'InteractionRequiredError', error: 'invalid_grant' });
      expect(failed.correlationId).toMatch(UUID);
      expect(stub.seen.map((s) => [s.body.get('grant_type'), s.query.get('client-request-id')])).toEqual([['refresh_token', failed.correlationId]]);
    });
  }
});

test.describe('generic OpenID provider (dev authority)', () => {
  test('gets no correlation id, Entra parameter or custom header (only Entra reads them); the result still has its id', async ({ idp, app, page }) => {
    await openSample(page, `${app.origin}/`);
    const posts: Request[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST') posts.push(r);
    });
    idp.clearRequests();
    await page.click('#login-redirect');
    await signInAtAuthority(page, idp, 'grace');
    await page.waitForSelector('body[data-ready="true"]');
    expect(await text(page, '#status')).toBe('Signed in as grace');
    const result = await inPage(page, { kind: 'redirect' });
    expect(result.correlationId).toMatch(UUID);
    const token = idp.requests.find((r) => r.grantType === 'authorization_code')!;
    expect(token.clientRequestId).toBeUndefined();
    const authorize = idp.requests.find((r) => r.path === '/auth')!;
    expect(authorize.queryParameters).not.toContain('client-request-id');
    expect(authorize.queryParameters!.filter((p) => p.startsWith('x-'))).toEqual([]);
    const sent = posts.find((r) => r.url().startsWith(`${idp.issuer}/token`))!;
    expect(new URL(sent.url()).search).toBe('');
    expect([...new URLSearchParams(sent.postData() ?? '').keys()].filter((k) => k.startsWith('x-'))).toEqual([]);
    expect(Object.keys(await sent.allHeaders()).filter((h) => h.startsWith('x-') || h.includes('request-id'))).toEqual([]);
  });
});
