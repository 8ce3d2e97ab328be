// Entra-specific response shapes (client_info, {tenantid} issuer template, instance discovery) that
// no local product serves: a stub on 127.0.0.1 plays Entra here; every other flow runs against the real dev authority.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportPKCS8, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AZURE_REGION_AUTO_DETECT,
  ConfidentialClientApplication,
  ConfigurationError,
  FetchHttpClient,
  InteractionRequiredError,
  NetworkError,
  PublicClientApplication,
  TokenCache,
  clearMetadataCache,
  type HttpClient,
} from '../src/index.js';
import { base64UrlEncode } from '../src/crypto/encoding.js';

const CLIENT_ID = '11111111-2222-3333-4444-555555555555';
const TID = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const UID = '9f4880d8-80ba-4c40-97bc-f7a23c703084';
/** Another app of the same family (FOCI), and one outside it. */
const FAMILY_CLIENT_ID = '04b07795-8ddb-461a-bbee-02f9e1bf7b46';
const NON_FAMILY_CLIENT_ID = '99999999-8888-7777-6666-555555555555';

let server: Server;
let origin: string;
let host: string;
const seen: { path: string; body: URLSearchParams; headers: Record<string, string | string[] | undefined> }[] = [];
let privateKey: CryptoKey;
/** Refresh tokens the stub refuses with invalid_grant (revoked). */
const revoked = new Set<string>();

beforeAll(async () => {
  ({ privateKey } = await generateKeyPair('RS256'));
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', async () => {
      const url = new URL(req.url!, origin);
      seen.push({ path: url.pathname, body: new URLSearchParams(raw), headers: req.headers });
      const json = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (url.pathname === '/common/discovery/instance') {
        const endpoint = url.searchParams.get('authorization_endpoint') ?? '';
        return endpoint.includes('/bogus/')
          ? json(400, { error: 'invalid_instance', error_description: 'AADSTS50049: Unknown or invalid instance.' })
          : json(200, { tenant_discovery_endpoint: `${endpoint}/../v2.0/.well-known/openid-configuration`, metadata: [] });
      }
      const m = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(url.pathname);
      if (m) {
        const tenant = m[1]!;
        const issuerTenant = ['common', 'organizations', 'consumers'].includes(tenant) ? '{tenantid}' : TID;
        return json(200, {
          issuer: `${origin}/${issuerTenant}/v2.0`,
          authorization_endpoint: `${origin}/${tenant}/oauth2/v2.0/authorize`,
          token_endpoint: `${origin}/${tenant}/oauth2/v2.0/token`,
          jwks_uri: `${origin}/${tenant}/discovery/v2.0/keys`,
          token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
        });
      }
      if (url.pathname.endsWith('/oauth2/v2.0/token')) {
        const body = new URLSearchParams(raw);
        const clientId = body.get('client_id') ?? CLIENT_ID;
        // Entra: a family refresh token redeemed by an app outside the family (documented FOCI behaviour).
        if (body.get('grant_type') === 'refresh_token' && clientId === NON_FAMILY_CLIENT_ID && body.get('refresh_token')!.startsWith('frt-')) {
          return json(400, { error: 'invalid_grant', error_description: 'AADSTS70000: Provided grant is invalid or malformed.', suberror: 'client_mismatch' });
        }
        if (body.get('grant_type') === 'refresh_token' && revoked.has(body.get('refresh_token')!)) {
          return json(400, { error: 'invalid_grant', error_description: 'AADSTS50173: The provided grant has expired due to it being revoked.' });
        }
        if (body.get('grant_type') === 'client_credentials') {
          return json(200, { token_type: 'Bearer', expires_in: '3599', ext_expires_in: '3599', access_token: 'app-token' });
        }
        const now = Math.floor(Date.now() / 1000);
        const idToken = await new SignJWT({ oid: UID, tid: TID, preferred_username: 'ada@contoso.com', name: 'Ada', nonce: body.get('nonce') ?? undefined })
          .setProtectedHeader({ alg: 'RS256' })
          .setIssuer(`${origin}/${TID}/v2.0`)
          .setAudience(clientId)
          .setSubject('pairwise-sub')
          .setIssuedAt(now)
          .setExpirationTime(now + 3600)
          .sign(privateKey);
        return json(200, {
          token_type: 'Bearer',
          scope: 'https://graph.microsoft.com/User.Read',
          expires_in: 3599,
          refresh_in: 1800,
          access_token: `user-token-${seen.length}`,
          refresh_token: `${clientId === NON_FAMILY_CLIENT_ID ? 'rt' : 'frt'}-${seen.length}`,
          id_token: idToken,
          client_info: base64UrlEncode(new TextEncoder().encode(JSON.stringify({ uid: UID, utid: TID }))),
          ...(clientId === NON_FAMILY_CLIENT_ID ? {} : { foci: '1' }),
        });
      }
      json(404, { error: 'not_found' });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  origin = `http://${host}`;
  clearMetadataCache();
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

/** Sends requests for Entra's public host to the stub instead. */
const routeToStub: HttpClient = {
  send: (request) => new FetchHttpClient().send({ ...request, url: request.url.replace('https://login.microsoftonline.com', origin) }),
};

describe('Microsoft Entra shapes', () => {
  it('signs in with client_info, keys the account uid.utid, and validates the {tenantid} issuer', async () => {
    const app = new PublicClientApplication({
      clientId: CLIENT_ID,
      authority: `${origin}/organizations`,
      knownEntraHosts: [host],
      instanceDiscovery: false,
      clientCapabilities: ['CP1'],
    });
    expect(app.authority.kind).toBe('entra');
    const url = new URL(await app.getAuthorizationRequestUrl({ scopes: ['https://graph.microsoft.com/User.Read'], redirectUri: 'http://localhost:8400' }));
    expect(url.pathname).toBe('/organizations/oauth2/v2.0/authorize');
    expect(url.searchParams.get('client_info')).toBe('1');
    expect(JSON.parse(url.searchParams.get('claims')!)).toEqual({ access_token: { xms_cc: { values: ['CP1'] } } });

    const result = await app.acquireTokenByCode('the-code', { scopes: ['https://graph.microsoft.com/User.Read'], redirectUri: 'http://localhost:8400' });
    expect(seen.at(-1)!.body.get('client_info')).toBe('1');
    expect(result.account).toMatchObject({ homeAccountId: `${UID}.${TID}`, tenantId: TID, localAccountId: UID, username: 'ada@contoso.com', authorityType: 'MSSTS' });
    const cache = JSON.parse(app.tokenCache.serialize());
    expect(Object.keys(cache.Account)).toEqual([`${UID}.${TID}-${host}-${TID}`]);
    expect(Object.values(cache.RefreshToken)[0]).toMatchObject({ family_id: '1' });
    expect(Object.values(cache.AccessToken)[0]).toMatchObject({ realm: TID, target: 'https://graph.microsoft.com/User.Read' });

    // refresh_in has not passed: served from the cache.
    const silent = await app.acquireTokenSilent({ scopes: ['https://graph.microsoft.com/User.Read'], account: result.account! });
    expect(silent.fromCache).toBe(true);
  });

  it('returns a token past refresh_on and refreshes it in the background', async () => {
    let now = Math.floor(Date.now() / 1000);
    const app = new PublicClientApplication({ clientId: CLIENT_ID, authority: `${origin}/organizations`, knownEntraHosts: [host], instanceDiscovery: false, now: () => now });
    const first = await app.acquireTokenByCode('c', { scopes: ['https://graph.microsoft.com/User.Read'], redirectUri: 'http://localhost:8400' });
    now += 1900; // past refresh_in (1800 s), long before expiry
    const before = seen.length;
    const stale = await app.acquireTokenSilent({ scopes: ['https://graph.microsoft.com/User.Read'], account: first.account! });
    expect(stale.fromCache).toBe(true);
    expect(stale.accessToken).toBe(first.accessToken);
    // The background refresh has landed when a silent call returns the new token (the request
    // reaching the server is not enough: storing its answer comes after).
    const silentToken = async () => (await app.acquireTokenSilent({ scopes: ['https://graph.microsoft.com/User.Read'], account: first.account! })).accessToken;
    await expect.poll(silentToken, { timeout: 10_000 }).not.toBe(first.accessToken);
    expect(seen.slice(before).filter((s) => s.body.get('grant_type') === 'refresh_token')).toHaveLength(1);
  });

  it('sends client secrets in the body as Entra prefers, and caches app tokens per tenant', async () => {
    const app = new ConfidentialClientApplication({ clientId: CLIENT_ID, clientCredential: 's3cret', authority: `${origin}/${TID}`, knownEntraHosts: [host], instanceDiscovery: false });
    const r = await app.acquireTokenForClient({ scopes: ['https://graph.microsoft.com/.default'] });
    expect(r.accessToken).toBe('app-token');
    expect(seen.at(-1)!.body.get('client_secret')).toBe('s3cret');
    expect((await app.acquireTokenForClient({ scopes: ['https://graph.microsoft.com/.default'] })).fromCache).toBe(true);
    const at = Object.values(JSON.parse(app.tokenCache.serialize()).AccessToken)[0] as Record<string, string>;
    expect(at).toMatchObject({ home_account_id: '', realm: TID });
  });

  it('checks a custom Entra host with instance discovery, and refuses an unknown one', async () => {
    const ok = new ConfidentialClientApplication({ clientId: CLIENT_ID, clientCredential: 's', authority: `${origin}/${TID}`, knownEntraHosts: [host], httpClient: routeToStub });
    seen.length = 0;
    await ok.acquireTokenForClient({ scopes: ['https://graph.microsoft.com/.default'] });
    expect(seen.map((s) => s.path)).toContain('/common/discovery/instance');
    const bad = new ConfidentialClientApplication({ clientId: CLIENT_ID, clientCredential: 's', authority: `${origin}/bogus`, knownEntraHosts: [host], httpClient: routeToStub });
    await expect(bad.acquireTokenForClient({ scopes: ['x/.default'] })).rejects.toMatchObject({ code: 'invalid_instance' });
  });
});

describe('MSAL ClientApplication options on Entra', () => {
  const GRAPH = ['https://graph.microsoft.com/.default'];
  /** The URL each request was for, before the routing below. */
  const urls: string[] = [];
  /**
   * Sends Entra's hosts (public, regional, sovereign) to the stub, whose discovery documents then
   * name the host asked; hosts in `down` refuse connections.
   */
  const routing = (down: string[] = []): HttpClient => ({
    send: async (request) => {
      urls.push(request.url);
      const url = new URL(request.url);
      if (down.includes(url.host)) throw new NetworkError(`connect ECONNREFUSED ${url.host}`);
      const response = await new FetchHttpClient().send({ ...request, url: `${origin}${url.pathname}${url.search}` });
      return { ...response, body: response.body.split(origin).join(url.origin) };
    },
  });
  const tokenUrls = () => urls.filter((u) => u.endsWith('/oauth2/v2.0/token'));
  const daemon = (options: Partial<ConstructorParameters<typeof ConfidentialClientApplication>[0]> = {}, down?: string[]) => {
    urls.length = 0;
    clearMetadataCache();
    return new ConfidentialClientApplication({ clientId: CLIENT_ID, clientCredential: 's3cret', authority: `https://login.microsoftonline.com/${TID}`, httpClient: routing(down), ...options });
  };

  describe('azureRegion', () => {
    it('sends app-only requests to <region>.login.microsoft.com and caches the token under the global cloud', async () => {
      const app = daemon({ azureRegion: 'westus2' });
      expect((await app.acquireTokenForClient({ scopes: GRAPH })).accessToken).toBe('app-token');
      expect(tokenUrls()).toEqual([`https://westus2.login.microsoft.com/${TID}/oauth2/v2.0/token`]);
      const at = Object.values(JSON.parse(app.tokenCache.serialize()).AccessToken)[0] as Record<string, string>;
      expect(at.environment).toBe('login.microsoftonline.com');
      expect((await app.acquireTokenForClient({ scopes: GRAPH })).fromCache).toBe(true);
    });

    it('uses <region>.<host> for other clouds', async () => {
      const app = daemon({ azureRegion: 'usgovvirginia', authority: `https://login.microsoftonline.us/${TID}` });
      await app.acquireTokenForClient({ scopes: GRAPH });
      expect(tokenUrls()).toEqual([`https://usgovvirginia.login.microsoftonline.us/${TID}/oauth2/v2.0/token`]);
    });

    // IMDS detection (no environment region): region-discovery.test.ts.
    it('TryAutoDetect takes the environment region (REGION_NAME); one that is no region name means the global endpoint, IMDS not asked', async () => {
      await daemon({ azureRegion: AZURE_REGION_AUTO_DETECT, environmentRegion: 'eastus' }).acquireTokenForClient({ scopes: GRAPH });
      expect(tokenUrls()).toEqual([`https://eastus.login.microsoft.com/${TID}/oauth2/v2.0/token`]);
      await daemon({ azureRegion: AZURE_REGION_AUTO_DETECT, environmentRegion: 'not a region' }).acquireTokenForClient({ scopes: GRAPH });
      expect(tokenUrls()).toEqual([`https://login.microsoftonline.com/${TID}/oauth2/v2.0/token`]);
      expect(urls.filter((u) => u.includes('/metadata/instance'))).toEqual([]);
    });

    it('falls back to the global endpoint when the regional one is unreachable', async () => {
      const warnings: string[] = [];
      // retry: false keeps the test short; with retries the regional endpoint is tried again first.
      const app = daemon({ azureRegion: 'westus2', retry: false, level: 'warning', logger: { log: (_level, message) => void warnings.push(message) } }, ['westus2.login.microsoft.com']);
      expect((await app.acquireTokenForClient({ scopes: GRAPH })).accessToken).toBe('app-token');
      expect(tokenUrls()).toEqual([`https://westus2.login.microsoft.com/${TID}/oauth2/v2.0/token`, `https://login.microsoftonline.com/${TID}/oauth2/v2.0/token`]);
      expect(warnings.join('\n')).toMatch(/regional token endpoint .* failed/);
    });

    it('applies to app-only requests only', async () => {
      const app = daemon({ azureRegion: 'westus2' });
      await app.acquireTokenByCode('c', { scopes: ['https://graph.microsoft.com/User.Read'], redirectUri: 'http://localhost:8400' }).catch(() => undefined);
      expect(tokenUrls()).toEqual([`https://login.microsoftonline.com/${TID}/oauth2/v2.0/token`]);
    });

    it('keeps certificate assertions for Entra (x5t#S256, PS256, no kid) and refuses a bare key', async () => {
      const { privateKey } = await generateKeyPair('RS256', { extractable: true });
      const pem = await exportPKCS8(privateKey);
      const app = daemon({ clientCredential: { privateKey: pem, thumbprintSha256: 'ab'.repeat(32) } });
      seen.length = 0;
      await app.acquireTokenForClient({ scopes: GRAPH });
      const assertion = seen.find((s) => s.path.endsWith('/token'))!.body.get('client_assertion')!;
      expect(JSON.parse(Buffer.from(assertion.split('.')[0]!, 'base64url').toString())).toEqual({ alg: 'PS256', typ: 'JWT', 'x5t#S256': Buffer.from('ab'.repeat(32), 'hex').toString('base64url') });
      expect(() => daemon({ clientCredential: { privateKey: pem } })).toThrow(/private_key_jwt on Microsoft Entra needs the certificate's `thumbprintSha256`/);
    });

    it('refuses a malformed region and a non-Entra authority', () => {
      expect(() => daemon({ azureRegion: 'west us' })).toThrow(ConfigurationError);
      expect(() => daemon({ azureRegion: 'westus2', authority: 'https://idp.example.com/' })).toThrow(/azureRegion.*Microsoft Entra/);
    });
  });

  it('sends appName and appVersion as x-app-name and x-app-ver', async () => {
    const app = daemon({ appName: 'contoso-billing', appVersion: '4.2.0' });
    seen.length = 0;
    await app.acquireTokenForClient({ scopes: GRAPH });
    const token = seen.find((s) => s.path.endsWith('/token'))!;
    expect(token.headers).toMatchObject({ 'x-app-name': 'contoso-billing', 'x-app-ver': '4.2.0' });
    seen.length = 0;
    await daemon().acquireTokenForClient({ scopes: GRAPH });
    expect(seen.find((s) => s.path.endsWith('/token'))!.headers).not.toHaveProperty('x-app-name');
  });

  describe('family of client ids (FOCI)', () => {
    const USER = ['https://graph.microsoft.com/User.Read'];
    const app = (clientId: string, tokenCache: TokenCache) =>
      new PublicClientApplication({ clientId, authority: `${origin}/organizations`, knownEntraHosts: [host], instanceDiscovery: false, tokenCache });
    const refreshes = () => seen.filter((s) => s.body.get('grant_type') === 'refresh_token').map((s) => ({ client: s.body.get('client_id'), rt: s.body.get('refresh_token') }));

    it('app B of the family gets a token silently with app A\'s family refresh token', async () => {
      const cache = new TokenCache();
      const signedIn = await app(CLIENT_ID, cache).acquireTokenByCode('code', { scopes: USER, redirectUri: 'http://localhost:8400' });
      const stored = JSON.parse(cache.serialize());
      const frt = Object.values(stored.RefreshToken)[0] as Record<string, string>;
      expect(frt).toMatchObject({ client_id: CLIENT_ID, family_id: '1' });
      expect(Object.values(stored.AppMetadata)).toEqual([expect.objectContaining({ client_id: CLIENT_ID, family_id: '1' })]);

      seen.length = 0;
      const b = await app(FAMILY_CLIENT_ID, cache).acquireTokenSilent({ scopes: USER, account: signedIn.account! });
      expect(b.fromCache).toBe(false);
      expect(b.account?.homeAccountId).toBe(`${UID}.${TID}`);
      expect(refreshes()).toEqual([{ client: FAMILY_CLIENT_ID, rt: frt.secret }]);
      // B is now a known member: its app metadata says so, and its next silent call is a cache hit.
      const after = JSON.parse(cache.serialize());
      expect(Object.values(after.AppMetadata)).toContainEqual(expect.objectContaining({ client_id: FAMILY_CLIENT_ID, family_id: '1' }));
      expect((await app(FAMILY_CLIENT_ID, cache).acquireTokenSilent({ scopes: USER, account: signedIn.account! })).fromCache).toBe(true);
    });

    it("never uses an on-behalf-of refresh token as the family's, in either spelling of its assertion hash", async () => {
      const signedIn = await app(CLIENT_ID, new TokenCache()).acquireTokenByCode('code', { scopes: USER, redirectUri: 'http://localhost:8400' });
      for (const field of ['user_assertion_hash', 'userAssertionHash']) {
        const source = new TokenCache();
        await app(CLIENT_ID, source).acquireTokenByCode('code', { scopes: USER, redirectUri: 'http://localhost:8400' });
        const doc = JSON.parse(source.serialize());
        // The family refresh token as an on-behalf-of exchange left it (MSAL Python's or msal-node's spelling).
        for (const rt of Object.values(doc.RefreshToken) as Record<string, string>[]) rt[field] = 'assertion-hash';
        const cache = new TokenCache();
        cache.deserialize(JSON.stringify(doc));
        seen.length = 0;
        const error = await app(FAMILY_CLIENT_ID, cache).acquireTokenSilent({ scopes: USER, account: signedIn.account! }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(InteractionRequiredError);
        expect(refreshes()).toEqual([]);
      }
    });

    it('a refused refresh token that is both the family\'s and the app\'s own is presented once, not twice', async () => {
      const cache = new TokenCache();
      const member = app(CLIENT_ID, cache);
      const signedIn = await member.acquireTokenByCode('code', { scopes: USER, redirectUri: 'http://localhost:8400' });
      const [rt] = Object.values(JSON.parse(cache.serialize()).RefreshToken) as Record<string, string>[];
      revoked.add(rt!.secret!);
      seen.length = 0;
      const error = await member.acquireTokenSilent({ scopes: USER, account: signedIn.account!, forceRefresh: true }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InteractionRequiredError);
      expect((error as InteractionRequiredError).error).toBe('invalid_grant');
      expect(refreshes()).toEqual([{ client: CLIENT_ID, rt: rt!.secret }]);
    });

    it('an app outside the family is refused the family token (client_mismatch) and must sign in; then uses its own', async () => {
      const cache = new TokenCache();
      const signedIn = await app(CLIENT_ID, cache).acquireTokenByCode('code', { scopes: USER, redirectUri: 'http://localhost:8400' });
      const outsider = app(NON_FAMILY_CLIENT_ID, cache);
      seen.length = 0;
      const error = await outsider.acquireTokenSilent({ scopes: USER, account: signedIn.account! }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InteractionRequiredError);
      expect((error as InteractionRequiredError).error).toBe('no_tokens_found');
      expect(refreshes()).toHaveLength(1);

      await outsider.acquireTokenByCode('code', { scopes: USER, redirectUri: 'http://localhost:8400' });
      seen.length = 0;
      await outsider.acquireTokenSilent({ scopes: USER, account: signedIn.account!, forceRefresh: true });
      // Its app metadata has no family: only its own refresh token is used.
      expect(refreshes()).toEqual([{ client: NON_FAMILY_CLIENT_ID, rt: expect.stringMatching(/^rt-/) }]);
    });
  });
});
