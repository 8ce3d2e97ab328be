// Entra multi-tenant accounts (issue 15 item 5) and Entra diagnostics headers (item 6). No local
// product serves Entra's shapes, so a stub on 127.0.0.1 plays Entra as Microsoft documents it:
// a guest user has its own oid in each tenant, client_info always names the home tenant, and a
// tenant's discovery document (by GUID or by domain) names the tenant GUID in its issuer.
import type { IncomingHttpHeaders, Server } from 'node:http';
import { SignJWT, generateKeyPair } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FetchHttpClient, type HttpClient, PublicClientApplication, ServerError, clearMetadataCache } from '../src/index.js';
import { base64UrlEncode } from '../src/crypto/encoding.js';
import { startJsonStub } from './helpers.js';

const CLIENT_ID = '11111111-2222-3333-4444-555555555555';
const HOME = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const GUEST = 'a0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d';
const GUEST_DOMAIN = 'fabrikam.onmicrosoft.com';
const UID = '9f4880d8-80ba-4c40-97bc-f7a23c703084';
/** The user's oid in each tenant: a guest has another object id in the resource tenant. */
const OID: Record<string, string> = { [HOME]: UID, [GUEST]: '5d6e7f80-1111-4222-8333-944455556666' };
const SCOPES = ['https://graph.microsoft.com/User.Read'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let server: Server;
let origin: string;
let host: string;
const seen: { path: string; query: URLSearchParams; body: URLSearchParams; headers: IncomingHttpHeaders }[] = [];
let privateKey: CryptoKey;
let issued = 0;

/** A tenant path segment as Entra resolves it: a GUID, a verified domain, or organizations (the home tenant here). */
const tenantId = (segment: string) => (segment === GUEST_DOMAIN ? GUEST : segment === 'organizations' ? HOME : segment);

beforeAll(async () => {
  ({ privateKey } = await generateKeyPair('RS256'));
  ({ server, origin, host } = await startJsonStub(async (req, url, raw, json) => {
    seen.push({ path: url.pathname, query: url.searchParams, body: new URLSearchParams(raw), headers: req.headers });
    if (url.pathname === '/common/discovery/instance') {
      return json(200, { tenant_discovery_endpoint: `${url.searchParams.get('authorization_endpoint')}/../v2.0/.well-known/openid-configuration`, metadata: [] });
    }
    const m = /^\/([^/]+)\/(v2\.0\/\.well-known\/openid-configuration|oauth2\/v2\.0\/token|oauth2\/v2\.0\/devicecode)$/.exec(url.pathname);
    if (!m) return json(404, { error: 'not_found' });
    const [, segment, what] = m as unknown as [string, string, string];
    if (what.startsWith('v2.0')) {
      const issuerTenant = ['common', 'organizations', 'consumers'].includes(segment) ? '{tenantid}' : tenantId(segment);
      return json(200, {
        issuer: `${origin}/${issuerTenant}/v2.0`,
        authorization_endpoint: `${origin}/${segment}/oauth2/v2.0/authorize`,
        token_endpoint: `${origin}/${segment}/oauth2/v2.0/token`,
        device_authorization_endpoint: `${origin}/${segment}/oauth2/v2.0/devicecode`,
        jwks_uri: `${origin}/${segment}/discovery/v2.0/keys`,
      });
    }
    if (what.endsWith('devicecode')) {
      return json(200, { device_code: 'dc', user_code: 'ABCD', verification_uri: `${origin}/devicelogin`, expires_in: 900, interval: 1 });
    }
    const body = new URLSearchParams(raw);
    if (body.get('code') === 'bad-code') return json(400, { error: 'invalid_grant', error_description: 'AADSTS70008: expired' });
    const tid = tenantId(segment);
    const now = Math.floor(Date.now() / 1000);
    const idToken = await new SignJWT({ oid: OID[tid], tid, preferred_username: 'ada@contoso.com', name: tid === HOME ? 'Ada' : 'Ada (guest)' })
      .setProtectedHeader({ alg: 'RS256' })
      .setIssuer(`${origin}/${tid}/v2.0`)
      .setAudience(CLIENT_ID)
      .setSubject(`sub-${tid}`)
      .setIssuedAt(now)
      .setExpirationTime(now + 3600)
      .sign(privateKey);
    issued++;
    return json(200, {
      token_type: 'Bearer',
      scope: SCOPES.join(' '),
      expires_in: 3599,
      access_token: `at-${tid}-${issued}`,
      refresh_token: `rt-${issued}`,
      id_token: idToken,
      client_info: base64UrlEncode(new TextEncoder().encode(JSON.stringify({ uid: UID, utid: HOME }))),
    });
  }));
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
beforeEach(() => {
  clearMetadataCache();
  seen.length = 0;
});

/** Sends requests for Entra's public host (instance discovery) to the stub instead. */
const routeToStub: HttpClient = {
  send: (request) => new FetchHttpClient().send({ ...request, url: request.url.replace('https://login.microsoftonline.com', origin) }),
};

const app = (overrides: Partial<ConstructorParameters<typeof PublicClientApplication>[0]> = {}) =>
  new PublicClientApplication({ clientId: CLIENT_ID, authority: `${origin}/organizations`, knownEntraHosts: [host], instanceDiscovery: false, ...overrides });
const tokenRequests = () => seen.filter((s) => s.path.endsWith('/token'));

describe('multi-tenant accounts', () => {
  it('one account per user with tenant profiles; each tenant hits the cache by GUID and by domain', async () => {
    const client = app();
    const home = await client.acquireTokenByCode('c', { scopes: SCOPES, redirectUri: 'http://localhost:8400' });
    expect(home.account).toMatchObject({ homeAccountId: `${UID}.${HOME}`, tenantId: HOME, localAccountId: UID });
    // A network result has the account as the cache lists it: with its tenant profiles.
    expect(Object.fromEntries(home.account!.tenantProfiles!)).toEqual({ [HOME]: { tenantId: HOME, localAccountId: UID, name: 'Ada', isHomeTenant: true } });

    // First call for the guest tenant by domain: a refresh there (no cached token yet).
    const guest = await client.acquireTokenSilent({ scopes: SCOPES, account: home.account!, tenant: GUEST_DOMAIN });
    expect(guest.fromCache).toBe(false);
    expect(guest.tenantId).toBe(GUEST);
    expect(guest.account).toMatchObject({ homeAccountId: `${UID}.${HOME}`, tenantId: GUEST, localAccountId: OID[GUEST] });
    expect(tokenRequests().at(-1)!.path).toBe(`/${GUEST_DOMAIN}/oauth2/v2.0/token`);
    // The refreshed (network) result for tenant B has both tenant profiles, as its cache hits do.
    expect(guest.account?.idTokenClaims?.tid).toBe(GUEST);
    expect([...guest.account!.tenantProfiles!.keys()]).toEqual([HOME, GUEST]);

    const accounts = await client.getAccounts();
    expect(accounts).toHaveLength(1);
    const [account] = accounts as [NonNullable<typeof home.account>];
    expect(account).toMatchObject({ homeAccountId: `${UID}.${HOME}`, tenantId: HOME, localAccountId: UID, name: 'Ada' });
    expect(Object.fromEntries(account.tenantProfiles!)).toEqual({
      [HOME]: { tenantId: HOME, localAccountId: UID, name: 'Ada', isHomeTenant: true },
      [GUEST]: { tenantId: GUEST, localAccountId: OID[GUEST], name: 'Ada (guest)', isHomeTenant: false },
    });
    expect((await client.getAccount(account.homeAccountId))?.tenantProfiles?.size).toBe(2);

    // Hits for either tenant, by GUID or by domain: nothing is sent.
    seen.length = 0;
    const byDomain = await client.acquireTokenSilent({ scopes: SCOPES, account, tenant: GUEST_DOMAIN });
    const byGuid = await client.acquireTokenSilent({ scopes: SCOPES, account, tenant: GUEST });
    const byHome = await client.acquireTokenSilent({ scopes: SCOPES, account });
    expect(seen).toEqual([]);
    for (const hit of [byDomain, byGuid]) {
      expect(hit).toMatchObject({ fromCache: true, accessToken: guest.accessToken, tenantId: GUEST });
      // The guest tenant's view of the user, as msal-node returns it.
      expect(hit.account).toMatchObject({ homeAccountId: account.homeAccountId, tenantId: GUEST, localAccountId: OID[GUEST] });
      expect(hit.account?.idTokenClaims?.tid).toBe(GUEST);
      expect(hit.account?.tenantProfiles?.size).toBe(2);
      // Network and cache results give the same account.
      expect(hit.account).toEqual(guest.account);
    }
    // A home-tenant refresh too: the home view, with both profiles.
    const refreshedHome = await client.acquireTokenSilent({ scopes: SCOPES, account, forceRefresh: true });
    expect(refreshedHome.fromCache).toBe(false);
    // The same account; its ID token is the new one (iat and exp may be a second later).
    const untimed = (a: typeof account | null | undefined) => ({ ...a, idTokenClaims: { ...a?.idTokenClaims, iat: 0, exp: 0 } });
    expect(untimed(refreshedHome.account)).toEqual(untimed(account));
    expect(byHome).toMatchObject({ fromCache: true, accessToken: home.accessToken, account });
  });

  // Unlike OIDC issuers sharing a host (issuer-accounts.integration.test.ts), Entra's host serves
  // every tenant: a client of one tenant lists the user's accounts in all, and signs them out of all.
  it('a client of one tenant lists the guest tenant too, and removeAccount signs the user out of every tenant', async () => {
    const client = app();
    const home = await client.acquireTokenByCode('c', { scopes: SCOPES, redirectUri: 'http://localhost:8400' });
    await client.acquireTokenSilent({ scopes: SCOPES, account: home.account!, tenant: GUEST });
    const homeOnly = app({ authority: `${origin}/${HOME}`, tokenCache: client.tokenCache });
    const [listed] = await homeOnly.getAccounts();
    expect([...listed!.tenantProfiles!.keys()]).toEqual([HOME, GUEST]);
    const realms = (section: string) => Object.values(JSON.parse(client.tokenCache.serialize())[section] as Record<string, { realm?: string }>).map((e) => e.realm ?? '');
    expect(realms('Account').sort()).toEqual([HOME, GUEST].sort());
    expect(realms('AccessToken').sort()).toEqual([HOME, GUEST].sort());

    await homeOnly.removeAccount(listed!);
    for (const section of ['Account', 'IdToken', 'AccessToken', 'RefreshToken']) expect(realms(section)).toEqual([]);
    expect(await client.getAccounts()).toEqual([]);
  });

  it('a new client resolves a domain once from the discovery issuer, then hits the cache', async () => {
    const first = app();
    const home = await first.acquireTokenByCode('c', { scopes: SCOPES, redirectUri: 'http://localhost:8400' });
    await first.acquireTokenSilent({ scopes: SCOPES, account: home.account!, tenant: GUEST });
    const second = app({ tokenCache: first.tokenCache });
    clearMetadataCache();
    seen.length = 0;
    const hit = await second.acquireTokenSilent({ scopes: SCOPES, account: home.account!, tenant: GUEST_DOMAIN });
    expect(hit).toMatchObject({ fromCache: true, tenantId: GUEST });
    expect(seen.map((s) => s.path)).toEqual([`/${GUEST_DOMAIN}/v2.0/.well-known/openid-configuration`]);
    seen.length = 0;
    expect((await second.acquireTokenSilent({ scopes: SCOPES, account: home.account!, tenant: GUEST_DOMAIN })).fromCache).toBe(true);
    expect(seen).toEqual([]);
  });
});

describe('Entra diagnostics headers', () => {
  const library = { sku: 'tessera.js.node', version: '9.9.9', os: 'linux' };
  const expectLibraryHeaders = (headers: IncomingHttpHeaders, correlationId: string) =>
    expect(headers).toMatchObject({
      'client-request-id': correlationId,
      'return-client-request-id': 'true',
      'x-client-sku': 'tessera.js.node',
      'x-client-ver': '9.9.9',
      'x-client-os': 'linux',
      'x-ms-lib-capability': 'retry-after, h429',
    });

  it('instance discovery, discovery, authorize URL, code redemption and refresh carry them; refresh adds x-anchormailbox', async () => {
    const client = app({ instanceDiscovery: true, httpClient: routeToStub, libraryInfo: library });
    const flow = await client.initiateAuthCodeFlow({ scopes: SCOPES, redirectUri: 'http://localhost:8400' });
    const query = new URL(flow.authUri).searchParams;
    expect(query.get('client-request-id')).toBe(flow.correlationId);
    expect(query.get('x-client-SKU')).toBe('tessera.js.node');
    expect(query.get('x-client-VER')).toBe('9.9.9');
    expect(seen.map((s) => s.path)).toEqual(['/common/discovery/instance', '/organizations/v2.0/.well-known/openid-configuration']);
    for (const s of seen) expectLibraryHeaders(s.headers, flow.correlationId!);

    // The stub issues no nonce: redeem the code directly, in the same call id.
    const result = await client.acquireTokenByCode('c', { scopes: SCOPES, redirectUri: 'http://localhost:8400', correlationId: flow.correlationId });
    expect(result.correlationId).toBe(flow.correlationId);
    expectLibraryHeaders(tokenRequests().at(-1)!.headers, flow.correlationId!);
    expect(tokenRequests().at(-1)!.headers['x-anchormailbox']).toBeUndefined();

    const refreshed = await client.acquireTokenSilent({ scopes: SCOPES, account: result.account!, forceRefresh: true, correlationId: 'refresh-1' });
    expect(refreshed.correlationId).toBe('refresh-1');
    const refresh = tokenRequests().at(-1)!;
    expect(refresh.body.get('grant_type')).toBe('refresh_token');
    expectLibraryHeaders(refresh.headers, 'refresh-1');
    expect(refresh.headers['x-anchormailbox']).toBe(`Oid:${UID}@${HOME}`);

    const hit = await client.acquireTokenSilent({ scopes: SCOPES, account: result.account! });
    expect(hit.fromCache).toBe(true);
    expect(hit.correlationId).toMatch(UUID);
  });

  it('device code start and poll carry them; a server error carries the call id', async () => {
    const client = app({ libraryInfo: library });
    const flow = await client.initiateDeviceFlow({ scopes: SCOPES });
    expect(flow.correlationId).toMatch(UUID);
    flow.interval = 0.05;
    await client.acquireTokenByDeviceFlow(flow);
    const device = seen.filter((s) => s.path.endsWith('/devicecode') || s.path.endsWith('/token'));
    expect(device).toHaveLength(2);
    for (const s of device) expectLibraryHeaders(s.headers, flow.correlationId!);

    const error = await client.acquireTokenByCode('bad-code', { scopes: SCOPES, redirectUri: 'http://localhost:8400' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerError);
    expect((error as ServerError).correlationId).toMatch(UUID);
    expect((error as ServerError).correlationId).toBe(tokenRequests().at(-1)!.headers['client-request-id']);
  });
});
