// Entra-specific response shapes (client_info, {tenantid} issuer template, instance discovery) that
// no local product serves: a stub on 127.0.0.1 plays Entra here; every other flow runs against the real dev authority.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfidentialClientApplication, FetchHttpClient, PublicClientApplication, clearMetadataCache, type HttpClient } from '../src/index.js';
import { base64UrlEncode } from '../src/crypto/encoding.js';

const CLIENT_ID = '11111111-2222-3333-4444-555555555555';
const TID = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const UID = '9f4880d8-80ba-4c40-97bc-f7a23c703084';

let server: Server;
let origin: string;
let host: string;
const seen: { path: string; body: URLSearchParams }[] = [];
let privateKey: CryptoKey;

beforeAll(async () => {
  ({ privateKey } = await generateKeyPair('RS256'));
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', async () => {
      const url = new URL(req.url!, origin);
      seen.push({ path: url.pathname, body: new URLSearchParams(raw) });
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
        if (body.get('grant_type') === 'client_credentials') {
          return json(200, { token_type: 'Bearer', expires_in: '3599', ext_expires_in: '3599', access_token: 'app-token' });
        }
        const now = Math.floor(Date.now() / 1000);
        const idToken = await new SignJWT({ oid: UID, tid: TID, preferred_username: 'ada@contoso.com', name: 'Ada', nonce: body.get('nonce') ?? undefined })
          .setProtectedHeader({ alg: 'RS256' })
          .setIssuer(`${origin}/${TID}/v2.0`)
          .setAudience(CLIENT_ID)
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
          refresh_token: `rt-${seen.length}`,
          id_token: idToken,
          client_info: base64UrlEncode(new TextEncoder().encode(JSON.stringify({ uid: UID, utid: TID }))),
          foci: '1',
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
